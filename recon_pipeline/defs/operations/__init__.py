"""Close-cycle operations: the jobs of a cycle (whole and per stage), the close and provisional
schedules, and the sensor that runs a reconciled cycle again when late data arrives."""
