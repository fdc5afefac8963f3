"""Machine-readable reports of a run: JSON-lines transcript and JUnit XML."""
