"""Pure-Python contract engine for the Kaixin earn-out escrow.

No Django imports here: these modules turn the SPA and the Escrow Agreement
(see /work/shared/contract/RULES.md) into arithmetic and dates, and every
result carries an Explanation a web page can show.
"""
