"""Generated exercises with exact answers, checked and explained step by step."""
