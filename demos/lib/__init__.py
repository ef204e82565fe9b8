"""Model code that several demos share; each module imports torch at the top.

``images`` (montages, shrinking), ``conv`` (the output-size formula), ``boxes`` (IoU,
NMS, scenes of rectangles), ``gan`` (the GAN steps and the DCGAN networks), ``diffusion``
(schedules, the ε-network, ancestral sampling), ``autoencoders`` (the MLP pair, losses,
latent-space tools) and ``recurrent`` (the gate demos' machinery). A demo imports
``demos.platform`` and ``demos.lib``, never another demo.
"""
