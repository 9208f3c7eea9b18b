"""fastgrad.distributions: torch.distributions' classes, composed from differentiable fastgrad ops
(gradients flow from log_prob / entropy / rsample into the parameters).  Samples come from
fastgrad's stream (``fastgrad.manual_seed``), so they differ from torch's for the same seed."""
from fastgrad.distributions import constraints, transforms
from fastgrad.distributions.bernoulli import Bernoulli
from fastgrad.distributions.beta import Beta
from fastgrad.distributions.binomial import Binomial
from fastgrad.distributions.categorical import Categorical
from fastgrad.distributions.constraint_registry import biject_to, transform_to
from fastgrad.distributions.continuous_bernoulli import ContinuousBernoulli
from fastgrad.distributions.cauchy import Cauchy
from fastgrad.distributions.dirichlet import Dirichlet
from fastgrad.distributions.distribution import Distribution
from fastgrad.distributions.exp_family import ExponentialFamily
from fastgrad.distributions.exponential import Exponential
from fastgrad.distributions.fishersnedecor import FisherSnedecor
from fastgrad.distributions.gamma import Chi2, Gamma
from fastgrad.distributions.gumbel import Gumbel
from fastgrad.distributions.half_normal import HalfCauchy, HalfNormal
from fastgrad.distributions.geometric import Geometric
from fastgrad.distributions.independent import Independent
from fastgrad.distributions.inverse_gamma import InverseGamma
from fastgrad.distributions.kl import kl_divergence, register_kl
from fastgrad.distributions.kumaraswamy import Kumaraswamy
from fastgrad.distributions.laplace import Laplace
from fastgrad.distributions.log_normal import LogNormal
from fastgrad.distributions.lowrank_multivariate_normal import LowRankMultivariateNormal
from fastgrad.distributions.mixture_same_family import MixtureSameFamily
from fastgrad.distributions.multinomial import Multinomial
from fastgrad.distributions.multivariate_normal import MultivariateNormal
from fastgrad.distributions.negative_binomial import NegativeBinomial
from fastgrad.distributions.normal import Normal
from fastgrad.distributions.one_hot_categorical import OneHotCategorical
from fastgrad.distributions.pareto import Pareto
from fastgrad.distributions.poisson import Poisson
from fastgrad.distributions.relaxed_bernoulli import LogitRelaxedBernoulli, RelaxedBernoulli
from fastgrad.distributions.relaxed_categorical import ExpRelaxedCategorical, RelaxedOneHotCategorical
from fastgrad.distributions.studentT import StudentT
from fastgrad.distributions.transformed_distribution import TransformedDistribution
from fastgrad.distributions.transforms import (AbsTransform, AffineTransform, ComposeTransform,
                                               CumulativeDistributionTransform, ExpTransform, IndependentTransform,
                                               LowerCholeskyTransform, PositiveDefiniteTransform, PowerTransform,
                                               ReshapeTransform, SigmoidTransform, SoftmaxTransform, SoftplusTransform,
                                               StickBreakingTransform, TanhTransform, Transform, identity_transform)
from fastgrad.distributions.uniform import Uniform
from fastgrad.distributions.von_mises import VonMises
from fastgrad.distributions.weibull import Weibull

__all__ = ["AbsTransform", "AffineTransform", "Bernoulli", "Beta", "Binomial", "Categorical", "Cauchy", "Chi2",
           "ComposeTransform", "ContinuousBernoulli", "CumulativeDistributionTransform", "Dirichlet",
           "Distribution", "ExpRelaxedCategorical", "ExpTransform", "Exponential", "ExponentialFamily",
           "FisherSnedecor", "Gamma", "Geometric", "Gumbel", "HalfCauchy", "HalfNormal", "Independent",
           "IndependentTransform", "InverseGamma", "Kumaraswamy", "Laplace", "LogNormal",
           "LogitRelaxedBernoulli", "LowRankMultivariateNormal", "LowerCholeskyTransform",
           "MixtureSameFamily", "Multinomial", "MultivariateNormal", "NegativeBinomial", "Normal",
           "OneHotCategorical", "Pareto", "Poisson", "PositiveDefiniteTransform", "PowerTransform",
           "RelaxedBernoulli", "RelaxedOneHotCategorical", "ReshapeTransform", "SigmoidTransform",
           "SoftmaxTransform", "SoftplusTransform", "StickBreakingTransform", "StudentT", "TanhTransform",
           "Transform", "TransformedDistribution", "Uniform", "VonMises", "Weibull", "biject_to",
           "constraints", "identity_transform", "kl_divergence", "register_kl", "transform_to", "transforms"]
