"""The quick-start demo: sample complaints played through the lifecycle on a simulated clock."""
