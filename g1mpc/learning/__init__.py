"""Making the network: expert data collection (also on Ray), the dataset of shards, and training."""
