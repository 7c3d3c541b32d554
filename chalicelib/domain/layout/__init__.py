"""A letter laid out for people: an HTML page or a PDF (the txt form needs no layout)."""
