"""The Textual user interface: the only part of cidl-tutor that imports textual."""
