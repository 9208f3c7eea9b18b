"""fastgrad.nn: layers, losses, containers, initialisation (torch.nn's names and semantics)."""
from fastgrad.nn.parameter import Parameter, Buffer
from fastgrad.nn.module import Module
from fastgrad.nn.linear import Linear, Identity
from fastgrad.nn.activation import (ReLU, LeakyReLU, Hardswish, Hardsigmoid, Sigmoid, Tanh, GELU, Softplus, Softmax,
                                   LogSoftmax, SiLU)
from fastgrad.nn.container import Sequential, ModuleList, ModuleDict
from fastgrad.nn.flatten import Flatten, Unflatten
from fastgrad.nn.dropout import Dropout
from fastgrad.nn.embedding import Embedding
from fastgrad.nn.normalization import LayerNorm
from fastgrad.nn.loss import (MSELoss, L1Loss, SmoothL1Loss, HuberLoss, CrossEntropyLoss, NLLLoss, BCELoss,
                              BCEWithLogitsLoss)
from fastgrad.nn.conv import Conv1d, Conv2d, ConvTranspose1d, ConvTranspose2d
from fastgrad.nn.pooling import MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, MaxPool1d, AvgPool1d, AdaptiveAvgPool1d
from fastgrad.nn.batchnorm import BatchNorm1d, BatchNorm2d
from fastgrad.nn import functional, init, utils
from fastgrad.nn import parallel

__all__ = ["Parameter", "Buffer", "Module", "Linear", "Identity", "ReLU", "LeakyReLU", "Hardswish", "Hardsigmoid",
           "Sigmoid", "Tanh", "GELU", "Softplus", "Softmax", "LogSoftmax", "SiLU", "Sequential", "ModuleList",
           "ModuleDict", "Flatten", "Unflatten", "Dropout", "Embedding", "LayerNorm", "MSELoss", "L1Loss",
           "SmoothL1Loss", "HuberLoss", "CrossEntropyLoss", "NLLLoss", "BCELoss", "BCEWithLogitsLoss", "functional",
           "init", "utils",
           "Conv1d", "Conv2d", "ConvTranspose1d", "ConvTranspose2d",
           "MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d", "MaxPool1d", "AvgPool1d", "AdaptiveAvgPool1d",
           "BatchNorm1d", "BatchNorm2d"]
__all__ += ["parallel"]
