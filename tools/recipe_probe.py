"""Early signal from a running candidate: each member's fixed point near the true one, and its eigenvalues, from the
run's last checkpoint (no rollout). python tools/recipe_probe.py CKPT 'cfg expression'"""

import io
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(__file__))
torch.set_num_threads(1)

from recipe_eval import learned_fixed_points  # noqa: E402

from pinode_sr.residuals import true_fixed_points  # noqa: E402
from pinode_sr.training import Problem, preset  # noqa: E402, F401

path, expr = sys.argv[1], sys.argv[2]
data = open(path, "rb").read()
head, _, payload = data[len(b"pinode-sr checkpoint 1\n") :].partition(b"\n")
st = torch.load(io.BytesIO(payload), weights_only=False)
cfg = eval(expr)
model = Problem(cfg).model()
sd = st.get("model") or st.get("state_dict") or st.get("weights")
if sd is None:
    print(list(st.keys()))
model.load_state_dict(sd)
print(json.loads(head)["hash"], "iteration", st.get("iteration"), st.get("phase"))
for xf in true_fixed_points(cfg.data.system, 32):
    for k, m in enumerate(learned_fixed_points(model, xf)):
        print(f"  member {cfg.seeds[k]}: x={m['x']} |f|={m['residual']:.1e} max Re={m['max_re']:+.5f}  eig={m['eig'][0]:.4f}")
