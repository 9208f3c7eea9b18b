"""fastgrad.optim: optimizers (fused C updates) and learning-rate schedulers."""
from fastgrad.optim.optimizer import Optimizer
from fastgrad.optim.sgd import SGD
from fastgrad.optim.adam import Adam, AdamW
from fastgrad.optim.rmsprop import RMSprop
from fastgrad.optim.adagrad import Adagrad
from fastgrad.optim import lr_scheduler

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "lr_scheduler"]
