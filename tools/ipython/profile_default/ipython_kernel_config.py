# IPython profile for the kernels `make figures` starts (the Makefile sets IPYTHONDIR=tools/ipython for papermill):
# only errors from the kernel app, so every figure prints one line. Without it, ipykernel >= 7 logs
# "Kernel is running over TCP without encryption" at WARNING level for every notebook.
c = get_config()  # noqa: F821 (IPython provides get_config in config files)
c.IPKernelApp.log_level = "ERROR"
# tools/run_log.py: for `make figures`, record the run folders each notebook opens (a no-op without its variable).
c.IPKernelApp.exec_files = [__file__.rsplit("/", 3)[0] + "/run_log.py"]  # noqa: F821 (__file__ of this config)
