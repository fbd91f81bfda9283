"""xaso — xã số."""
