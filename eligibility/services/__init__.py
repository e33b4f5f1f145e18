"""The service layer: matching, applications, grants, calendar, ratings and tickets."""
