"""Live demos for cidl-tutor: real PyTorch models that show one concept at a time.

- ``demos.platform``: specs, parameters, the JSON-line event protocol
  (:mod:`demos.platform.protocol`), running, figures, the registry, the offline data;
- ``demos.lib``: model code shared by several demos (images, boxes, GANs, diffusion,
  autoencoders, recurrent cells);
- ``demos.a_autograd_sgd`` … ``demos.h_advanced``: one package per exam topic, whose
  ``__init__`` declares the topic's demos as torch-free specs and whose modules, one per
  demo, implement them.

``python -m demos.run NAME`` runs a demo and streams its events. Importing this package,
the registry or a topic's specs does not import torch.
"""
