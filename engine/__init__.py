"""Process execution on SpiffWorkflow. No Flask import, ever (see README.md)."""
