"""designer/identity"""
