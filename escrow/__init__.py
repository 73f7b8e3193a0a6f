"""WHAT: the deal, its tranches and their clocks. contract/ holds the rules, actions/ the writers."""
