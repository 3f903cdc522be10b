# IPython profile for the kernels `make figures` starts (the Makefile sets IPYTHONDIR=tools/ipython for papermill):
# only errors from the kernel app, so every figure prints one line. Without it, ipykernel >= 7 logs
# "Kernel is running over TCP without encryption" at WARNING level for every notebook.
c = get_config()  # noqa: F821 (IPython provides get_config in config files)
c.IPKernelApp.log_level = "ERROR"
