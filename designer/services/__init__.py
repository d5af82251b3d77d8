"""designer/services"""
