"""Bad and good example code for each bandit test, used to generate the B### rule files."""

from __future__ import annotations

# test id -> (bad example, good example); each runs through bandit when the rules are generated:
# the bad one must trigger the test, the good one must not.
EXAMPLES: dict[str, tuple[str, str]] = {
    "B101": (
        "def collate(batch):\n    assert len(batch) > 0, 'empty batch'\n    return batch\n",
        "def collate(batch):\n    if not batch:\n        raise ValueError('empty batch')\n    return batch\n",
    ),
    "B102": (
        "with open('experiment_config.py') as handle:\n    exec(handle.read())\n",
        "import json\n\nwith open('experiment_config.json') as handle:\n    config = json.load(handle)\n",
    ),
    "B103": (
        "import os\n\nos.makedirs('checkpoints', exist_ok=True)\nos.chmod('checkpoints', 0o777)\n",
        "import os\n\nos.makedirs('checkpoints', exist_ok=True)\nos.chmod('checkpoints', 0o700)\n",
    ),
    "B104": (
        "import uvicorn\n\nuvicorn.run('service:app', host='0.0.0.0', port=8000)\n",
        "import uvicorn\n\nuvicorn.run('service:app', host='127.0.0.1', port=8000)\n",
    ),
    "B105": (
        "mlflow_password = 'Summer2024!'\n",
        "import os\n\nmlflow_password = os.environ['MLFLOW_TRACKING_PASSWORD']\n",
    ),
    "B106": (
        "import psycopg2\n\nconn = psycopg2.connect(host='db', user='ml', password='Summer2024!')\n",
        "import os\n\nimport psycopg2\n\nconn = psycopg2.connect(host='db', user='ml', password=os.environ['PGPASSWORD'])\n",
    ),
    "B107": (
        "def connect(user='ml', password='Summer2024!'):\n    return (user, password)\n",
        "def connect(user='ml', password=None):\n    return (user, password)\n",
    ),
    "B108": (
        "CACHE_DIR = '/tmp/hf_cache'\n",
        "import tempfile\n\nCACHE_DIR = tempfile.mkdtemp(prefix='hf_cache')\n",
    ),
    "B110": (
        "import wandb\n\ntry:\n    wandb.log({'loss': 0.1})\nexcept Exception:\n    pass\n",
        "import logging\n\nimport wandb\n\ntry:\n    wandb.log({'loss': 0.1})\nexcept Exception:\n    logging.exception('wandb logging failed')\n",
    ),
    "B112": (
        "import json\n\nfor line in open('data.jsonl'):\n    try:\n        record = json.loads(line)\n    except Exception:\n        continue\n",
        "import json\nimport logging\n\nfor line in open('data.jsonl'):\n    try:\n        record = json.loads(line)\n    except ValueError:\n        logging.warning('bad record skipped')\n        continue\n",
    ),
    "B113": (
        "import requests\n\nresponse = requests.post('https://inference.example.com/predict', json={'x': 1})\n",
        "import requests\n\nresponse = requests.post('https://inference.example.com/predict', json={'x': 1}, timeout=30)\n",
    ),
    "B201": (
        "from flask import Flask\n\napp = Flask(__name__)\n\nif __name__ == '__main__':\n    app.run(debug=True)\n",
        "import os\n\nfrom flask import Flask\n\napp = Flask(__name__)\n\nif __name__ == '__main__':\n    app.run(debug=os.environ.get('FLASK_DEBUG') == '1')\n",
    ),
    "B202": (
        "import tarfile\n\nwith tarfile.open('model.tar.gz') as archive:\n    archive.extractall('model')\n",
        "import tarfile\n\nwith tarfile.open('model.tar.gz') as archive:\n    archive.extractall('model', filter='data')\n",
    ),
    "B324": (
        "import hashlib\n\ndigest = hashlib.md5(open('model.bin', 'rb').read()).hexdigest()\n",
        "import hashlib\n\ndigest = hashlib.sha256(open('model.bin', 'rb').read()).hexdigest()\n",
    ),
    "B501": (
        "import requests\n\nrequests.get('https://mlflow.internal/api/2.0/mlflow/experiments/list', verify=False, timeout=10)\n",
        "import requests\n\nrequests.get('https://mlflow.internal/api/2.0/mlflow/experiments/list', verify='/etc/ssl/internal-ca.pem', timeout=10)\n",
    ),
    "B502": (
        "import socket\nimport ssl\n\nsock = ssl.wrap_socket(socket.socket(), ssl_version=ssl.PROTOCOL_SSLv3)\n",
        "import ssl\n\ncontext = ssl.create_default_context()\n",
    ),
    "B503": (
        "import ssl\n\ndef make_context(version=ssl.PROTOCOL_SSLv3):\n    return ssl.SSLContext(version)\n",
        "import ssl\n\ndef make_context():\n    return ssl.create_default_context()\n",
    ),
    "B504": (
        "import socket\nimport ssl\n\nsock = ssl.wrap_socket(socket.socket())\n",
        "import socket\nimport ssl\n\nsock = ssl.create_default_context().wrap_socket(socket.socket(), server_hostname='api.example.com')\n",
    ),
    "B505": (
        "from cryptography.hazmat.primitives.asymmetric import rsa\n\nkey = rsa.generate_private_key(public_exponent=65537, key_size=1024)\n",
        "from cryptography.hazmat.primitives.asymmetric import rsa\n\nkey = rsa.generate_private_key(public_exponent=65537, key_size=3072)\n",
    ),
    "B506": (
        "import yaml\n\nwith open('train.yaml') as handle:\n    config = yaml.load(handle, Loader=yaml.Loader)\n",
        "import yaml\n\nwith open('train.yaml') as handle:\n    config = yaml.safe_load(handle)\n",
    ),
    "B507": (
        "import paramiko\n\nclient = paramiko.SSHClient()\nclient.set_missing_host_key_policy(paramiko.AutoAddPolicy())\n",
        "import paramiko\n\nclient = paramiko.SSHClient()\nclient.load_system_host_keys()\nclient.set_missing_host_key_policy(paramiko.RejectPolicy())\n",
    ),
    "B508": (
        "from pysnmp.hlapi import CommunityData\n\nauth = CommunityData('public', mpModel=0)\n",
        "from pysnmp.hlapi import UsmUserData, usmHMACSHAAuthProtocol, usmAesCfb128Protocol\n\nauth = UsmUserData('monitor', 'authkey-from-vault', 'privkey-from-vault', authProtocol=usmHMACSHAAuthProtocol, privProtocol=usmAesCfb128Protocol)\n",
    ),
    "B509": (
        "from pysnmp.hlapi import UsmUserData\n\nauth = UsmUserData('monitor')\n",
        "from pysnmp.hlapi import UsmUserData, usmHMACSHAAuthProtocol, usmAesCfb128Protocol\n\nauth = UsmUserData('monitor', 'authkey-from-vault', 'privkey-from-vault', authProtocol=usmHMACSHAAuthProtocol, privProtocol=usmAesCfb128Protocol)\n",
    ),
    "B601": (
        "import paramiko\n\ndef gpu_usage(client: paramiko.SSHClient, node: str):\n    return client.exec_command('nvidia-smi -i ' + node)\n",
        "import paramiko\n\ndef gpu_usage(client: paramiko.SSHClient):\n    return client.invoke_shell()\n",
    ),
    "B602": (
        "import subprocess\n\ndef sync(bucket):\n    subprocess.run(f'aws s3 sync models/ s3://{bucket}/', shell=True, check=True)\n",
        "import subprocess\n\ndef sync(bucket):\n    subprocess.run(['/usr/local/bin/aws', 's3', 'sync', 'models/', f's3://{bucket}/'], check=True)\n",
    ),
    "B603": (
        "import subprocess\n\nsubprocess.run(['/usr/bin/git', 'rev-parse', 'HEAD'], check=True)\n",
        "from pathlib import Path\n\ncommit = Path('.git/HEAD').read_text().strip()\n",
    ),
    "B604": (
        "from invoke import run\n\ndef export(path):\n    run('tar czf model.tgz ' + path, shell=True)\n",
        "import tarfile\n\ndef export(path):\n    with tarfile.open('model.tgz', 'w:gz') as archive:\n        archive.add(path)\n",
    ),
    "B605": (
        "import os\n\nos.system('nvidia-smi')\n",
        "import shutil\n\nfree = shutil.disk_usage('/data').free\n",
    ),
    "B606": (
        "import os\n\nos.execv('/usr/bin/python3', ['python3', 'train.py'])\n",
        "import runpy\n\nrunpy.run_path('train.py', run_name='__main__')\n",
    ),
    "B607": (
        "import subprocess\n\nsubprocess.run(['nvidia-smi', '--query-gpu=name', '--format=csv'], check=True)\n",
        "import subprocess\n\nsubprocess.run(['/usr/bin/nvidia-smi', '--query-gpu=name', '--format=csv'], check=True)\n",
    ),
    "B608": (
        "def runs_of(cursor, experiment):\n    cursor.execute(\"SELECT * FROM runs WHERE experiment = '%s'\" % experiment)\n    return cursor.fetchall()\n",
        "def runs_of(cursor, experiment):\n    cursor.execute('SELECT * FROM runs WHERE experiment = %s', (experiment,))\n    return cursor.fetchall()\n",
    ),
    "B609": (
        "import os\n\nos.system('chmod 600 /srv/models/*')\n",
        "import os\nfrom pathlib import Path\n\nfor path in Path('/srv/models').iterdir():\n    path.chmod(0o600)\n",
    ),
    "B610": (
        "from django.contrib.auth.models import User\n\ndef search(name):\n    return User.objects.extra(where=['username = ' + name])\n",
        "from django.contrib.auth.models import User\n\ndef search(name):\n    return User.objects.filter(username=name)\n",
    ),
    "B611": (
        "from django.db.models.expressions import RawSQL\n\ndef score(column):\n    return RawSQL('SELECT %s FROM scores' % column, [])\n",
        "from django.db.models.expressions import RawSQL\n\ndef score(run_id):\n    return RawSQL('SELECT score FROM scores WHERE run = %s', [run_id])\n",
    ),
    "B612": (
        "import logging.config\n\nlistener = logging.config.listen(9999)\n",
        "import logging.config\n\nlogging.config.dictConfig({'version': 1})\n",
    ),
    "B613": (
        "access_level = 'user'\nif access_level != 'none\u202e \u2066':  # check the caller\u2069 \u2066\n    print('granted')\n",
        "access_level = 'user'\nif access_level != 'none':\n    print('granted')\n",
    ),
    "B614": (
        "import torch\n\nstate = torch.load('checkpoints/best.pt')\n",
        "import torch\n\nstate = torch.load('checkpoints/best.pt', weights_only=True)\n",
    ),
    "B615": (
        "from transformers import AutoModel\n\nmodel = AutoModel.from_pretrained('bert-base-uncased')\n",
        "from transformers import AutoModel\n\nmodel = AutoModel.from_pretrained('bert-base-uncased', revision='86b5e0934494bd15c9632b12f734a8a67f723594')\n",
    ),
    "B701": (
        "import jinja2\n\nenv = jinja2.Environment(loader=jinja2.FileSystemLoader('templates'), autoescape=False)\n",
        "import jinja2\n\nenv = jinja2.Environment(loader=jinja2.FileSystemLoader('templates'), autoescape=jinja2.select_autoescape())\n",
    ),
    "B702": (
        "from mako.template import Template\n\npage = Template('<p>${answer}</p>')\n",
        "import jinja2\n\npage = jinja2.Environment(autoescape=True).from_string('<p>{{ answer }}</p>')\n",
    ),
    "B703": (
        "from django.utils.safestring import mark_safe\n\ndef render_answer(answer):\n    return mark_safe('<p>' + answer + '</p>')\n",
        "from django.utils.html import format_html\n\ndef render_answer(answer):\n    return format_html('<p>{}</p>', answer)\n",
    ),
    "B704": (
        "from markupsafe import Markup\n\ndef render_answer(answer):\n    return Markup('<p>' + answer + '</p>')\n",
        "from markupsafe import Markup, escape\n\ndef render_answer(answer):\n    return Markup('<p>{}</p>').format(escape(answer))\n",
    ),
    "B301": (
        "import pickle\n\nwith open('features.pkl', 'rb') as handle:\n    features = pickle.load(handle)\n",
        "import numpy as np\n\nfeatures = np.load('features.npy', allow_pickle=False)\n",
    ),
    "B302": (
        "import marshal\n\ncode = marshal.loads(open('cache.bin', 'rb').read())\n",
        "import json\n\ncache = json.loads(open('cache.json').read())\n",
    ),
    "B303": (
        "from Crypto.Hash import MD5\n\ndigest = MD5.new(b'weights').hexdigest()\n",
        "from Crypto.Hash import SHA256\n\ndigest = SHA256.new(b'weights').hexdigest()\n",
    ),
    "B304": (
        "from Crypto.Cipher import ARC4\n\ncipher = ARC4.new(b'0123456789abcdef')\n",
        "from cryptography.fernet import Fernet\n\ncipher = Fernet(Fernet.generate_key())\n",
    ),
    "B305": (
        "from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes\n\ncipher = Cipher(algorithms.AES(b'0' * 32), modes.ECB())\n",
        "import os\n\nfrom cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes\n\ncipher = Cipher(algorithms.AES(b'0' * 32), modes.GCM(os.urandom(12)))\n",
    ),
    "B306": (
        "import tempfile\n\nscratch = tempfile.mktemp(suffix='.ckpt')\n",
        "import tempfile\n\nhandle, scratch = tempfile.mkstemp(suffix='.ckpt')\n",
    ),
    "B307": (
        "def parse_shape(text):\n    return eval(text)\n",
        "import ast\n\ndef parse_shape(text):\n    return ast.literal_eval(text)\n",
    ),
    "B308": (
        "from django.utils.safestring import mark_safe\n\nbanner = mark_safe('<b>model v2</b>')\n",
        "from django.utils.html import format_html\n\nbanner = format_html('<b>{}</b>', 'model v2')\n",
    ),
    "B310": (
        "import urllib.request\n\ndef fetch(url):\n    return urllib.request.urlopen(url).read()\n",
        "import requests\n\ndef fetch(url):\n    return requests.get(url, timeout=30).content\n",
    ),
    "B311": (
        "import random\n\nsession_id = str(random.random())\n",
        "import secrets\n\nsession_id = secrets.token_hex(16)\n",
    ),
    "B312": (
        "import telnetlib\n\nconnection = telnetlib.Telnet('gpu-node-1')\n",
        "import paramiko\n\nconnection = paramiko.SSHClient()\n",
    ),
    "B313": (
        "import xml.etree.cElementTree as ET\n\ntree = ET.parse('annotations.xml')\n",
        "import defusedxml.ElementTree as ET\n\ntree = ET.parse('annotations.xml')\n",
    ),
    "B314": (
        "from xml.etree.ElementTree import parse\n\ntree = parse('annotations.xml')\n",
        "from defusedxml.ElementTree import parse\n\ntree = parse('annotations.xml')\n",
    ),
    "B315": (
        "from xml.sax import expatreader\n\nparser = expatreader.create_parser()\n",
        "from defusedxml import expatreader\n\nparser = expatreader.create_parser()\n",
    ),
    "B316": (
        "from xml.dom import expatbuilder\n\ndocument = expatbuilder.parse('annotations.xml')\n",
        "from defusedxml import expatbuilder\n\ndocument = expatbuilder.parse('annotations.xml')\n",
    ),
    "B317": (
        "import xml.sax\n\nxml.sax.parse('annotations.xml', xml.sax.ContentHandler())\n",
        "import defusedxml.sax\n\ndefusedxml.sax.parse('annotations.xml', None)\n",
    ),
    "B318": (
        "from xml.dom import minidom\n\ndocument = minidom.parse('annotations.xml')\n",
        "from defusedxml import minidom\n\ndocument = minidom.parse('annotations.xml')\n",
    ),
    "B319": (
        "from xml.dom import pulldom\n\nevents = pulldom.parse('annotations.xml')\n",
        "from defusedxml import pulldom\n\nevents = pulldom.parse('annotations.xml')\n",
    ),
    "B321": (
        "import ftplib\n\nftp = ftplib.FTP('datasets.example.com')\n",
        "import paramiko\n\ntransport = paramiko.Transport(('datasets.example.com', 22))\n",
    ),
    "B323": (
        "import ssl\nimport urllib.request\n\nurllib.request.urlopen('https://hub.example.com', context=ssl._create_unverified_context())\n",
        "import ssl\n\ncontext = ssl.create_default_context()\n",
    ),
    "B401": ("import telnetlib\n", "import paramiko\n"),
    "B402": ("import ftplib\n", "import paramiko\n"),
    "B403": ("import pickle\n", "import json\n"),
    "B404": ("import subprocess\n", "import shutil\n"),
    "B405": ("import xml.etree.ElementTree as ET\n", "import defusedxml.ElementTree as ET\n"),
    "B406": ("import xml.sax\n", "import defusedxml.sax\n"),
    "B407": ("from xml.dom import expatbuilder\n", "from defusedxml import expatbuilder\n"),
    "B408": ("from xml.dom import minidom\n", "from defusedxml import minidom\n"),
    "B409": ("from xml.dom import pulldom\n", "from defusedxml import pulldom\n"),
    "B411": ("import xmlrpc.client\n", "import defusedxml.xmlrpc\n"),
    "B412": (
        "from wsgiref.handlers import CGIHandler\n",
        "from wsgiref.simple_server import make_server\n",
    ),
    "B413": (
        "from Crypto.Cipher import AES\n",
        "from cryptography.hazmat.primitives.ciphers import Cipher\n",
    ),
    "B415": ("import pyghmi\n", "import requests\n"),
}
