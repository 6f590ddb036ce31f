"""Analysis system for the inspection of the police response to group-based child sexual exploitation.

Validates force data returns against the data contract, computes the indicator catalogue per force and
nationally, applies statistical disclosure control and renders reviewer reports. See README.md and
docs/ for the overview; shared design notes live outside the repository.
"""

__version__ = "0.1.0"
