"""docgen's stand-in for Pillow in the Lambda package; see ``PIL.Image``."""
