"""The close cycle as a whole: the job that reconciles one month, and its schedule."""
