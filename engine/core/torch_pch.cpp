// Anchor for the shared precompiled header (see torch_pch.h).
