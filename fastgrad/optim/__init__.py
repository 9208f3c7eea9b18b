"""fastgrad.optim: optimizers (fused C updates) and learning-rate schedulers."""
from fastgrad.optim.optimizer import Optimizer
from fastgrad.optim.sgd import SGD
from fastgrad.optim.adam import Adam, AdamW
from fastgrad.optim.rmsprop import RMSprop
from fastgrad.optim.adagrad import Adagrad
from fastgrad.optim.adadelta import Adadelta
from fastgrad.optim.adamax import Adamax
from fastgrad.optim.nadam import NAdam
from fastgrad.optim.radam import RAdam
from fastgrad.optim import lr_scheduler, swa_utils

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "NAdam", "RAdam",
           "lr_scheduler", "swa_utils"]
