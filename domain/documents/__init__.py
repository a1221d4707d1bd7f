"""Reading certification lists from the documents the boards publish."""
