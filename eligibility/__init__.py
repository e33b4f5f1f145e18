"""政策通 eligibility service: policies as rules, the data account, matching and applications."""
