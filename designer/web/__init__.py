"""designer/web"""
