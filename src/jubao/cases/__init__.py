"""Cases: the reports about one incident, handled together through the workflow."""
