"""WHO: organisations (legal entities and natural persons) and the people who act for them."""
