"""The FOI register: requests, the statutory clock, costs, exemptions and response letters."""
