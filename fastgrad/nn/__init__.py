"""fastgrad.nn: layers, losses, containers, initialisation (torch.nn's names and semantics)."""
from fastgrad.nn.parameter import Parameter, Buffer, UninitializedParameter, UninitializedBuffer
from fastgrad.nn.module import Module
from fastgrad.nn.linear import Linear, Identity, Bilinear
from fastgrad.nn.activation import (ReLU, LeakyReLU, Hardswish, Hardsigmoid, Sigmoid, Tanh, GELU, Softplus, Softmax,
                                   LogSoftmax, SiLU)
from fastgrad.nn.activation_more import (Hardtanh, ReLU6, Mish, ELU, SELU, CELU, Softsign, LogSigmoid, GLU, PReLU,
                                        RReLU, Softmin, Threshold, Tanhshrink, Softshrink, Hardshrink, Softmax2d)
from fastgrad.nn.container import Sequential, ModuleList, ModuleDict
from fastgrad.nn.flatten import Flatten, Unflatten
from fastgrad.nn.dropout import Dropout
from fastgrad.nn.embedding import Embedding, EmbeddingBag
from fastgrad.nn.normalization import LayerNorm
from fastgrad.nn.loss import (MSELoss, L1Loss, SmoothL1Loss, HuberLoss, CrossEntropyLoss, NLLLoss, BCELoss,
                              BCEWithLogitsLoss)
from fastgrad.nn.conv import Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from fastgrad.nn.pooling import MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, MaxPool1d, AvgPool1d, AdaptiveAvgPool1d
from fastgrad.nn.batchnorm import BatchNorm1d, BatchNorm2d, BatchNorm3d
from fastgrad.nn.pooling import MaxPool3d, AvgPool3d, AdaptiveAvgPool3d, AdaptiveMaxPool3d, MaxUnpool3d
from fastgrad.nn.normalization import GroupNorm, RMSNorm
from fastgrad.nn.loss_more import (KLDivLoss, GaussianNLLLoss, PoissonNLLLoss, SoftMarginLoss, MultiLabelSoftMarginLoss,
                                   MarginRankingLoss, HingeEmbeddingLoss, CosineEmbeddingLoss, TripletMarginLoss,
                                   TripletMarginWithDistanceLoss, MultiMarginLoss, MultiLabelMarginLoss, CTCLoss)
from fastgrad.nn.instancenorm import InstanceNorm1d, InstanceNorm2d, InstanceNorm3d
from fastgrad.nn.dropout import Dropout1d, Dropout2d, Dropout3d, AlphaDropout, FeatureAlphaDropout
from fastgrad.nn.upsampling import Upsample, UpsamplingNearest2d, UpsamplingBilinear2d, PixelShuffle, PixelUnshuffle
from fastgrad.nn.pooling import AdaptiveMaxPool1d, AdaptiveMaxPool2d, MaxUnpool1d, MaxUnpool2d
from fastgrad.nn.parameter_containers import ParameterList, ParameterDict
from fastgrad.nn.attention import MultiheadAttention
from fastgrad.nn.transformer import (TransformerEncoderLayer, TransformerEncoder, TransformerDecoderLayer,
                                     TransformerDecoder, Transformer)
from fastgrad.nn.fold import Fold, Unfold
from fastgrad.nn.lazy import (LazyLinear, LazyConv1d, LazyConv2d, LazyConvTranspose1d, LazyConvTranspose2d,
                              LazyBatchNorm1d, LazyBatchNorm2d, LazyInstanceNorm1d, LazyInstanceNorm2d, LazyConv3d,
                              LazyConvTranspose3d, LazyBatchNorm3d, LazyInstanceNorm3d)
from fastgrad.nn.pooling import LPPool1d, LPPool2d, LPPool3d
from fastgrad.nn.normalization import LocalResponseNorm, CrossMapLRN2d
from fastgrad.nn.upsampling import ChannelShuffle
from fastgrad.nn.rnn import RNNBase, RNN, LSTM, GRU
from fastgrad.nn.rnn_cell import RNNCellBase, RNNCell, LSTMCell, GRUCell
from fastgrad.nn import padding as _padding
from fastgrad.nn.padding import *  # noqa: F401,F403  (ConstantPad1d … CircularPad3d, CosineSimilarity, PairwiseDistance)
from fastgrad.nn import functional, init, utils
from fastgrad.nn import parallel
from fastgrad.nn.adaptive import AdaptiveLogSoftmaxWithLoss

__all__ = ["Parameter", "Buffer", "Module", "Linear", "Identity", "ReLU", "LeakyReLU", "Hardswish", "Hardsigmoid",
           "Sigmoid", "Tanh", "GELU", "Softplus", "Softmax", "LogSoftmax", "SiLU", "Sequential", "ModuleList",
           "ModuleDict", "Flatten", "Unflatten", "Dropout", "Embedding", "LayerNorm", "MSELoss", "L1Loss",
           "SmoothL1Loss", "HuberLoss", "CrossEntropyLoss", "NLLLoss", "BCELoss", "BCEWithLogitsLoss", "functional",
           "init", "utils",
           "Conv1d", "Conv2d", "ConvTranspose1d", "ConvTranspose2d",
           "MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d", "MaxPool1d", "AvgPool1d", "AdaptiveAvgPool1d",
           "BatchNorm1d", "BatchNorm2d"]
__all__ += ["GroupNorm", "InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d", "RMSNorm"]
__all__ += ["KLDivLoss", "GaussianNLLLoss", "PoissonNLLLoss", "SoftMarginLoss", "MultiLabelSoftMarginLoss",
            "MarginRankingLoss", "HingeEmbeddingLoss", "CosineEmbeddingLoss", "TripletMarginLoss",
            "TripletMarginWithDistanceLoss", "MultiMarginLoss", "MultiLabelMarginLoss", "CTCLoss"]
__all__ += ["Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout", "FeatureAlphaDropout"]
__all__ += ["Upsample", "UpsamplingNearest2d", "UpsamplingBilinear2d", "PixelShuffle", "PixelUnshuffle"]
__all__ += ["AdaptiveMaxPool1d", "AdaptiveMaxPool2d", "MaxUnpool1d", "MaxUnpool2d"]
__all__ += ["MultiheadAttention", "TransformerEncoderLayer", "TransformerEncoder", "TransformerDecoderLayer",
            "TransformerDecoder", "Transformer"]
__all__ += ["ParameterList", "ParameterDict"]
__all__ += ["Hardtanh", "ReLU6", "Mish", "ELU", "SELU", "CELU", "Softsign", "LogSigmoid", "GLU", "PReLU", "RReLU",
            "Softmin", "Threshold", "Tanhshrink", "Softshrink", "Hardshrink", "Softmax2d"]
__all__ += ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]
__all__ += ["parallel"]
__all__ += ["Fold", "Unfold"]
__all__ += ["UninitializedParameter", "UninitializedBuffer", "Bilinear", "LazyLinear", "LazyConv1d", "LazyConv2d",
            "LazyConvTranspose1d", "LazyConvTranspose2d", "LazyBatchNorm1d", "LazyBatchNorm2d", "LazyInstanceNorm1d",
            "LazyInstanceNorm2d"]
__all__ += ["EmbeddingBag", "LPPool1d", "LPPool2d", "LocalResponseNorm", "CrossMapLRN2d", "ChannelShuffle"]
__all__ += _padding.__all__
__all__ += ["Conv3d", "ConvTranspose3d", "BatchNorm3d", "MaxPool3d", "AvgPool3d", "AdaptiveAvgPool3d",
            "AdaptiveMaxPool3d", "MaxUnpool3d", "LazyConv3d", "LazyConvTranspose3d", "LazyBatchNorm3d",
            "LazyInstanceNorm3d", "LPPool3d"]
__all__ += ["AdaptiveLogSoftmaxWithLoss"]
