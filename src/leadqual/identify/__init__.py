"""Identification: a visit's IP address → the organisation behind it (or "not a company"), with
a source and a confidence. ``resolve`` is the entry point; ``ipindex`` the sorted-range index,
``ipformats`` the file readers, ``classify`` the kinds of organisation, ``refdata`` the compiled
datasets as stored."""
