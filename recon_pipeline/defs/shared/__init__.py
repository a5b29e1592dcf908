"""What every domain shares: the close-cycle partitions and the ``settings`` resource."""
