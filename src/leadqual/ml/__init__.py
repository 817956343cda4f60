"""Predictive lead scoring: training examples, the model, its explanations and the registry."""
