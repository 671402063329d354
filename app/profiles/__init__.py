"""Candidate and interviewer profiles, photo and CV uploads, and who may see them."""
