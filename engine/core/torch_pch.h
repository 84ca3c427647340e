#pragma once
// Precompiled header for engine modules: the LibTorch headers nearly every engine file needs.
// Source files still include exactly what they use; this only makes those includes cheap.
#include <ATen/ATen.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <nlohmann/json.hpp>
#include <fmt/format.h>
