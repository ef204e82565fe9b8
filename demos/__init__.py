"""Live demos for cidl-tutor: real PyTorch models that show one concept at a time.

Each demo is one module (see ``demos.registry``); ``demos.framework`` documents the
JSON-line event contract that ``python -m demos.run NAME`` streams. Importing this
package, the registry or a demo's metadata does not import torch.
"""
