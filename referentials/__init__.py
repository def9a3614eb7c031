"""referentials"""
