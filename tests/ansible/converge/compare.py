"""Every fixed host's rendered boot files (render-files.yml) equal the boot config's write_files, byte for byte;
only the pool fetch key may be missing. Usage: compare.py OUTPUTS.json RENDER_DIR"""
import json
import os
import sys

import yaml

SKIPPED = {"/etc/loom/fetch-credentials"}
outputs = json.load(open(sys.argv[1]))
outputs = outputs.get("outputs", outputs) if "resources" in outputs else outputs
render = sys.argv[2]
compared, problems = 0, []
for group, g in outputs["hosts"].items():
    files = yaml.safe_load(outputs["bootConfig"][group])["write_files"]
    for host in g["hosts"]:
        written = json.load(open(os.path.join(render, host["name"] + ".json")))
        for f in files:
            if f["path"] in SKIPPED:
                if f["path"] in written:
                    problems.append(f"{host['name']}: {f['path']} must not be written")
                continue
            if f["path"] not in written:
                problems.append(f"{host['name']}: {f['path']} missing")
            elif written[f["path"]] != f["content"]:
                problems.append(f"{host['name']}: {f['path']} differs from the boot config")
            else:
                compared += 1
for p in problems:
    print(p, file=sys.stderr)
print(f"converge: {compared} boot files written by Ansible equal cloud-init's")
sys.exit(1 if problems or compared == 0 else 0)
