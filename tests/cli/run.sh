#!/usr/bin/env bash
# CLI tests: results against independent computations (numpy/scipy), exit
# codes and file:line messages for malformed input. Arg: path to bayesmat.
set -uo pipefail
B=$1
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
expect_rc() { # expected-rc pattern command...
  local want=$1 pat=$2; shift 2
  out=$("$@" 2>&1); rc=$?
  if [ "$rc" -eq "$want" ] && grep -qE -- "$pat" <<<"$out"; then ok; else bad "$* -> rc $rc (want $want), output: $out"; fi
}

# 1. logpdf of matf against its definition (docs/contract.md) evaluated in numpy/scipy
got=$("$B" logpdf "$here/matf_params.txt" "$here/matf_data.txt" | grep -v '^#')
want=$(/usr/bin/python3 - <<'PY'
import numpy as np
from scipy.special import multigammaln
p, nu, de = 2, 5.0, 4.0
Psi = np.array([[2, .5], [.5, 1]])
for X in (np.array([[1, .2], [.2, 1]]), np.array([[2., 0], [0, 3]])):
    k = nu + de + p - 1
    lf = (multigammaln(k / 2, p) - multigammaln(nu / 2, p) - multigammaln((de + p - 1) / 2, p)
          - nu / 2 * np.linalg.slogdet(Psi)[1] + (nu - p - 1) / 2 * np.linalg.slogdet(X)[1]
          - k / 2 * np.linalg.slogdet(np.eye(p) + X @ np.linalg.inv(Psi))[1])
    print(repr(lf))
PY
)
if /usr/bin/python3 -c "
import sys
g=[float(x) for x in '''$got'''.split()]; w=[float(x) for x in '''$want'''.split()]
sys.exit(0 if len(g)==len(w)==2 and all(abs(a-b)<=1e-12*abs(b) for a,b in zip(g,w)) else 1)"; then ok; else bad "logpdf $got vs $want"; fi

# 1b. wishart and invwishart against scipy.stats (docs/contract.md says they agree)
for fam in wishart invwishart; do
  got=$("$B" logpdf "$here/${fam}_params.txt" "$here/matf_data.txt" | grep -v '^#' | tr '\n' ' ')
  /usr/bin/python3 -c "
import sys, numpy as np
from scipy.stats import wishart, invwishart
S = np.array([[2, .5], [.5, 1]])
d = wishart(df=5, scale=S) if '$fam' == 'wishart' else invwishart(df=6, scale=S)
w = [d.logpdf(X) for X in (np.array([[1, .2], [.2, 1]]), np.diag([2., 3.]))]
g = [float(x) for x in '$got'.split()]
sys.exit(0 if len(g) == 2 and all(abs(a - b) <= 1e-12 * abs(b) for a, b in zip(g, w)) else 1)" && ok || bad "$fam logpdf vs scipy: $got"
done

# 1c. mvt against scipy.stats.multivariate_t (rows of a data file, CSV allowed)
got=$("$B" logpdf "$here/mvt_params.txt" "$here/mvt_data.txt" | grep -v '^#' | tr '\n' ' ')
/usr/bin/python3 -c "
import sys
from scipy.stats import multivariate_t
d = multivariate_t(loc=[0, 1], shape=[[2, .5], [.5, 1]], df=4)
w = [d.logpdf([0.1, 0.2]), d.logpdf([3, -1])]
g = [float(x) for x in '$got'.split()]
sys.exit(0 if len(g) == 2 and all(abs(a - b) <= 1e-12 * abs(b) for a, b in zip(g, w)) else 1)" && ok || bad "mvt logpdf vs scipy: $got"
printf '1 2 3\n' > "$work/x3.txt"
expect_rc 3 "x3.txt:1: rows have 3 numbers, the mvt has dimension 2" "$B" logpdf "$here/mvt_params.txt" "$work/x3.txt"

# 1d. matnorm against scipy.stats.matrix_normal (blank-line-separated matrices)
got=$("$B" logpdf "$here/matnorm_params.txt" "$here/matnorm_data.txt" | grep -v '^#' | tr '\n' ' ')
/usr/bin/python3 -c "
import sys, numpy as np
from scipy.stats import matrix_normal
d = matrix_normal(mean=[[0, 1, 0], [1, 0, 2]], rowcov=[[2, .3], [.3, 1]],
                  colcov=[[1, .2, 0], [.2, 2, .1], [0, .1, 1.5]])
w = [d.logpdf(np.array([[.1, .8, .3], [1.2, -.4, 2.2]])), d.logpdf(np.array([[1., 1, 1], [0, 0, 0]]))]
g = [float(x) for x in '$got'.split()]
sys.exit(0 if len(g) == 2 and all(abs(a - b) <= 1e-12 * abs(b) for a, b in zip(g, w)) else 1)" && ok || bad "matnorm logpdf vs scipy: $got"
# its full theta is not identified: Jeffreys says so
expect_rc 1 "BM_ESING" "$B" jeffreys "$here/matnorm_params.txt"

# 2. fisher is symmetric and of size nparams; json parses
"$B" fisher "$here/matf_params.txt" --json > "$work/f.json" && /usr/bin/python3 -c "
import json,sys,numpy as np
F=np.array(json.load(open('$work/f.json'))['fisher'])
sys.exit(0 if F.shape==(5,5) and np.allclose(F,F.T,rtol=0,atol=1e-15) and np.all(np.linalg.eigvalsh(F)>0) else 1)" && ok || bad "fisher json"

# 3. grad: the score averages to ~0 over many samples (E[score] = 0)
"$B" sample "$here/matf_params.txt" --n 4000 --seed 5 > "$work/s.txt" && \
  "$B" grad "$here/matf_params.txt" "$work/s.txt" > "$work/g.txt" && /usr/bin/python3 -c "
import numpy as np,sys
g=np.loadtxt('$work/g.txt'); z=g.mean(0)/(g.std(0)/np.sqrt(len(g)))
sys.exit(0 if g.shape==(4000,5) and np.all(np.abs(z)<4.5) else 1)" && ok || bad "E[score] = 0 from sample+grad"

# 3b. jeffreys of the Wishart nu alone: 1/2 log(psi'_2(nu/2)/4) (docs/fisher.md)
got=$("$B" jeffreys "$here/wishart_params.txt" --idx 3)
/usr/bin/python3 -c "
import sys; from scipy.special import polygamma
w = 0.5 * __import__('math').log((polygamma(1, 2.5) + polygamma(1, 2.0)) / 4)
sys.exit(0 if abs(float('$got') - w) <= 1e-12 * abs(w) else 1)" && ok || bad "jeffreys nu: $got"
expect_rc 3 "--idx: index 4 is out of range" "$B" jeffreys "$here/wishart_params.txt" --idx 4

# 3c. conjugate models: chaining identities and an independent NIW evidence
for m in niw blr; do
  head -3 "$here/${m}_data.txt" > "$work/d1.txt"; tail -n +4 "$here/${m}_data.txt" > "$work/d2.txt"
  "$B" posterior "$here/${m}_prior.txt" "$work/d1.txt" > "$work/post1.txt" || bad "$m posterior 1"
  # two updates equal one update on the stacked data
  "$B" posterior "$work/post1.txt" "$work/d2.txt" | grep -v '^#' > "$work/seq.txt"
  "$B" posterior "$here/${m}_prior.txt" "$here/${m}_data.txt" | grep -v '^#' > "$work/all.txt"
  /usr/bin/python3 -c "
import sys, re
a = [float(x) for x in re.findall(r'-?[0-9.]+(?:e[-+]?[0-9]+)?', open('$work/seq.txt').read())]
b = [float(x) for x in re.findall(r'-?[0-9.]+(?:e[-+]?[0-9]+)?', open('$work/all.txt').read())]
sys.exit(0 if len(a) == len(b) > 0 and all(abs(x - y) <= 1e-12 * max(1, abs(y)) for x, y in zip(a, b)) else 1)" \
    && ok || bad "$m: sequential posterior differs from one-shot"
  # log p(D) = log p(D1) + log p(D2 | D1)
  e_all=$("$B" evidence "$here/${m}_prior.txt" "$here/${m}_data.txt")
  e1=$("$B" evidence "$here/${m}_prior.txt" "$work/d1.txt")
  e2=$("$B" evidence "$work/post1.txt" "$work/d2.txt")
  /usr/bin/python3 -c "import sys; sys.exit(0 if abs($e_all - ($e1 + $e2)) <= 1e-10 * abs($e_all) else 1)" \
    && ok || bad "$m evidence chain: $e_all vs $e1 + $e2"
done
# NIW evidence against the textbook closed form (Murphy 2007 eq. 266), in numpy
e=$("$B" evidence "$here/niw_prior.txt" "$here/niw_data.txt")
/usr/bin/python3 -c "
import sys, numpy as np
from scipy.special import multigammaln
X = np.loadtxt('$here/niw_data.txt'); n, p = X.shape
m0, k0, v0, P0 = np.zeros(2), 1.0, 4.0, np.eye(2)
xb = X.mean(0); S = (X - xb).T @ (X - xb)
kn, vn = k0 + n, v0 + n
Pn = P0 + S + k0 * n / kn * np.outer(xb - m0, xb - m0)
lml = (-n * p / 2 * np.log(np.pi) + multigammaln(vn / 2, p) - multigammaln(v0 / 2, p)
       + v0 / 2 * np.linalg.slogdet(P0)[1] - vn / 2 * np.linalg.slogdet(Pn)[1] + p / 2 * np.log(k0 / kn))
sys.exit(0 if abs($e - lml) <= 1e-12 * abs(lml) else 1)" && ok || bad "niw evidence $e"
# the predictive is a family file that logpdf reads
"$B" predictive "$here/niw_prior.txt" "$here/niw_data.txt" > "$work/pred.txt" && \
  "$B" logpdf "$work/pred.txt" "$here/niw_data.txt" > /dev/null && ok || bad "niw predictive -> logpdf"
printf '1 0.3\n1 2\n' > "$work/xnew.txt"
n=$("$B" predictive "$here/blr_prior.txt" "$here/blr_data.txt" --x "$work/xnew.txt" | grep -vc '^#')
[ "$n" -eq 2 ] && ok || bad "blr predictive rows: $n"
expect_rc 2 "needs --x" "$B" predictive "$here/blr_prior.txt" "$here/blr_data.txt"
expect_rc 3 "rows have 2 numbers, the model needs 3" "$B" evidence "$here/blr_prior.txt" "$here/niw_data.txt"
printf 'model niw\nmu0 0 0\nkappa0 -1\nnu0 4\nPsi0\n1 0\n0 1\n' > "$work/badprior.txt"
expect_rc 1 "prior: BM_EDOM" "$B" evidence "$work/badprior.txt" "$here/niw_data.txt"
printf 'model blr\nprior improper\nk 2\n' > "$work/imp.txt"
expect_rc 1 "BM_EDOM" "$B" evidence "$work/imp.txt" "$here/blr_data.txt"
expect_rc 0 "family mvt" "$B" posterior "$work/imp.txt" "$here/blr_data.txt"

# 3d. --json of the conjugate commands parses and carries the same numbers
"$B" posterior "$here/niw_prior.txt" "$here/niw_data.txt" --json > "$work/p.json" && \
  "$B" evidence "$here/niw_prior.txt" "$here/niw_data.txt" --json > "$work/e.json" && /usr/bin/python3 -c "
import json, sys
p = json.load(open('$work/p.json')); e = json.load(open('$work/e.json'))
sys.exit(0 if p['model'] == 'niw' and p['kappa0'] == 7 and len(p['Psi0']) == 2
         and abs(e['log_evidence'] - float('$("$B" evidence "$here/niw_prior.txt" "$here/niw_data.txt")')) == 0 else 1)" \
  && ok || bad "conjugate --json"

# 3e. check-posterior: each model's own posterior passes; a claimed posterior
#     from `posterior` passes; one with a wrong kappa_n fails, naming it; JSON parses
for m in niw blr; do
  expect_rc 0 "all checks passed" "$B" check-posterior "$here/${m}_prior.txt" "$here/${m}_data.txt" --draws 4000 --seed 2
  "$B" posterior "$here/${m}_prior.txt" "$here/${m}_data.txt" > "$work/claim_$m.txt"
  expect_rc 0 "parameters +[0-9.e+-]+ +[0-9.e+-]+  pass" "$B" check-posterior "$here/${m}_prior.txt" "$here/${m}_data.txt" \
    --claimed "$work/claim_$m.txt" --draws 4000
done
sed 's/^kappa0 .*/kappa0 6/' "$work/claim_niw.txt" > "$work/claim_bad.txt"
expect_rc 1 "kappa_n: claimed 6, model 7" "$B" check-posterior "$here/niw_prior.txt" "$here/niw_data.txt" --claimed "$work/claim_bad.txt"
expect_rc 1 "failed: parameters proportional evidence_identity" "$B" check-posterior "$here/niw_prior.txt" "$here/niw_data.txt" --claimed "$work/claim_bad.txt"
printf 'model blr\nprior improper\nk 2\n' > "$work/imp_cp.txt"
expect_rc 0 "evidence_is .* not run: an improper prior" "$B" check-posterior "$work/imp_cp.txt" "$here/blr_data.txt" --draws 4000
printf 'model mniw\nB0\n0 0\n0 0\nV0\n2 0\n0 2\nnu0 4\nPsi0\n1 0\n0 1\n' > "$work/mniw_prior.txt"
printf '1 0.1 0.5 -0.2\n1 -1 -0.3 0.8\n1 0.7 1.2 -0.1\n1 2 1.9 -1.1\n1 -0.4 0.2 0.1\n1 0.3 0.1 0.4\n' > "$work/mniw_data.txt"
expect_rc 0 "mniw, the model's own posterior, theta of length 7" "$B" check-posterior "$work/mniw_prior.txt" "$work/mniw_data.txt" --draws 4000
"$B" check-posterior "$here/niw_prior.txt" "$here/niw_data.txt" --json --draws 4000 --plot "$work/plot" > "$work/cp.json" 2> "$work/cp.err"
/usr/bin/python3 -c "
import json, sys
r = json.load(open('$work/cp.json'))
names = [w['name'] for w in r['rows']]
counts = [int(x.split()[1]) for x in open('$work/plot/sbc_ranks.dat') if not x.startswith('#')]
sys.exit(0 if r['passed'] and names == ['proportional', 'evidence_is', 'evidence_identity', 'sbc']
         and sum(r['sbc_counts']) == 400 * 5 and counts == r['sbc_counts'] else 1)" && ok || bad "check-posterior --json/--plot"
if command -v gnuplot >/dev/null; then [ -s "$work/plot/sbc_ranks.png" ] && ok || bad "no sbc_ranks.png"
else grep -q "gnuplot is not installed" "$work/cp.err" && ok || bad "no note about gnuplot"; fi
expect_rc 3 "not of PRIOR's model" "$B" check-posterior "$here/niw_prior.txt" "$here/niw_data.txt" --claimed "$here/blr_prior.txt"
expect_rc 2 "--draws takes" "$B" check-posterior "$here/niw_prior.txt" "$here/niw_data.txt" --draws -5
expect_rc 2 "needs PRIOR and DATA" "$B" check-posterior "$here/niw_prior.txt"
expect_rc 0 "usage: bayesmat check-posterior" "$B" check-posterior --help

# 4. errors: exit codes and file:line messages
printf 'family matf\nnu 5\ndelta 4\nPsi\n2 0.5\n0.5 1 7\n' > "$work/ragged.txt"
expect_rc 3 "ragged.txt:6: row has 3 numbers" "$B" fisher "$work/ragged.txt"
printf 'family matf\nnu five\n' > "$work/word.txt"
expect_rc 3 "word.txt:2: 'nu' must be one number" "$B" fisher "$work/word.txt"
printf 'family wombat\n' > "$work/fam.txt"
expect_rc 3 "fam.txt:1: unknown family 'wombat'" "$B" fisher "$work/fam.txt"
printf 'nu 5\n' > "$work/nofam.txt"
expect_rc 3 "missing 'family NAME'" "$B" fisher "$work/nofam.txt"
printf '1 2\nx 3\n' > "$work/d.txt"
expect_rc 3 "d.txt:2: 'x' is not a number" "$B" logpdf "$here/matf_params.txt" "$work/d.txt"
printf '1 0\n0 1\n0 0\n' > "$work/shape.txt"
expect_rc 3 "shape.txt:1: matrix is 3 x 2" "$B" logpdf "$here/matf_params.txt" "$work/shape.txt"
expect_rc 3 "cannot open" "$B" logpdf "$here/matf_params.txt" "$work/none.txt"
printf 'family matf\nnu 0.5\ndelta 4\nPsi\n2 0.5\n0.5 1\n' > "$work/dom.txt"
expect_rc 1 "BM_EDOM" "$B" fisher "$work/dom.txt"
printf 'family matf\nnu 5\ndelta 4\nPsi\n2 0.5\n0.4 1\n' > "$work/asym.txt"
expect_rc 1 "BM_ENOTSYM" "$B" fisher "$work/asym.txt"
expect_rc 2 "unknown option" "$B" fisher "$here/matf_params.txt" --frobnicate
expect_rc 2 "missing DATA" "$B" logpdf "$here/matf_params.txt"
expect_rc 3 "--n: .-3. is not a non-negative" "$B" sample "$here/matf_params.txt" --n -3
expect_rc 0 "usage: bayesmat sample" "$B" sample --help
# a non-SPD observation is an answer (-inf), not an error
printf '1 2\n2 1\n' > "$work/nonspd.txt"
expect_rc 0 "^-inf" "$B" logpdf "$here/matf_params.txt" "$work/nonspd.txt"
# 5. strict input: what the reader does not understand is an error (exit 3)
printf 'family wishart\nnu 5\nfoo 3\nS\n2 0.5\n0.5 1\n' > "$work/unknown.txt"
expect_rc 3 "unknown.txt:3: unknown key 'foo'" "$B" fisher "$work/unknown.txt"
printf 'family wishart\nnu 5\nS\n2 0.5\n0.5 1\n\nnu 6\n' > "$work/twice.txt"
expect_rc 3 "twice.txt:7: 'nu' given twice \\(first on line 2\\)" "$B" fisher "$work/twice.txt"
printf 'family wishart\nnu 1e999\nS\n2 0.5\n0.5 1\n' > "$work/huge.txt"
expect_rc 3 "huge.txt:2: '1e999' is not a finite number" "$B" fisher "$work/huge.txt"
printf 'family wishart\nnu 5\nS\n2 inf\n0.5 1\n' > "$work/inf.txt"
expect_rc 3 "inf.txt:4: 'inf' is not a finite number" "$B" fisher "$work/inf.txt"
printf '1 0\n0 nan\n' > "$work/nandata.txt"
expect_rc 3 "nandata.txt:2: 'nan' is not a finite number" "$B" logpdf "$here/wishart_params.txt" "$work/nandata.txt"
expect_rc 3 "--seed: '-5' is not a non-negative decimal integer" "$B" sample "$here/wishart_params.txt" --seed -5
expect_rc 3 "--seed: '99999999999999999999999' is too large" "$B" sample "$here/wishart_params.txt" --seed 99999999999999999999999
expect_rc 3 "--n: '99999999999999999999999' is too large" "$B" sample "$here/wishart_params.txt" --n 99999999999999999999999
expect_rc 3 "--n: '2x' is not" "$B" sample "$here/wishart_params.txt" --n 2x
expect_rc 3 "--seed: '-5'" "$B" verify --seed -5 --only core
expect_rc 3 "--idx: index 1 is given twice" "$B" jeffreys "$here/wishart_params.txt" --idx 1,1
expect_rc 3 "--idx: index 2 of '0,,1' is empty" "$B" jeffreys "$here/wishart_params.txt" --idx 0,,1
expect_rc 3 "--idx: '-1' is not" "$B" jeffreys "$here/wishart_params.txt" --idx -1
printf 'model niw\nmu0 0 0\nkappa0 1\nnu0 4\nkappa 2\nPsi0\n1 0\n0 1\n' > "$work/niwkey.txt"
expect_rc 3 "niwkey.txt:5: unknown key 'kappa'" "$B" evidence "$work/niwkey.txt" "$here/niw_data.txt"
# the library's message names the argument and the bound
printf 'family wishart\nnu 0.5\nS\n2 0.5\n0.5 1\n' > "$work/nu.txt"
expect_rc 1 "bm_wishart_set: nu = 0.5 must exceed p - 1 = 1" "$B" fisher "$work/nu.txt"
printf 'model blr\nprior improper\nk 1\n' > "$work/improper.txt"
printf '1 2\n2 3\n3 5\n' > "$work/blrdata.txt"
expect_rc 1 "bm_blr_log_evidence: the evidence does not exist under the improper prior" "$B" evidence "$work/improper.txt" "$work/blrdata.txt"
# the memory an answer needs, said before trying: Fisher of W_1000 is 500501^2 doubles
/usr/bin/python3 -c "
import numpy as np
print('family wishart'); print('nu 1500'); print('S')
np.savetxt(__import__('sys').stdout, np.eye(1000), fmt='%g')" > "$work/p1000.txt"
expect_rc 1 "Fisher matrix would be 500501 x 500501 doubles = 2e\\+03 GB" "$B" fisher "$work/p1000.txt"
expect_rc 1 "Fisher matrix would be 500501 x 500501" "$B" jeffreys "$work/p1000.txt"
# help texts: only logpdf and grad take DATA
for c in fisher jeffreys sample; do
  out=$("$B" $c --help); grep -q "DATA" <<<"$out" && bad "$c --help mentions DATA" || ok
done
for c in logpdf grad; do
  out=$("$B" $c --help); grep -q "usage: bayesmat $c PARAMS DATA" <<<"$out" && ok || bad "$c --help: $out"
done

# 6. verify's Fisher row is a max |z| test: it passes the closed form and
#    fails it with matt's Sigma-Omega block deleted (a relative Frobenius error did not)
expect_rc 0 "matt +Fisher vs Monte Carlo \\(max \\|z\\| / 5\\) .* pass" "$B" verify --only matt --quick --seed 3
expect_rc 1 "matt +Fisher vs Monte Carlo \\(max \\|z\\| / 5\\) .* FAIL" "$B" verify --only matt --quick --seed 3 --inject matt-fisher-sigma-omega
expect_rc 0 "matnorm +Fisher vs Monte Carlo \\(max \\|z\\| / 5\\) .* pass" "$B" verify --only matnorm --quick --seed 3
expect_rc 3 "no defect 'x'" "$B" verify --inject x

# binary garbage never crashes
head -c 3000 /dev/urandom > "$work/garbage.txt"
"$B" logpdf "$work/garbage.txt" "$work/garbage.txt" >/dev/null 2>&1; rc=$?
[ "$rc" -eq 3 ] && ok || bad "garbage input gave rc $rc"

echo "cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
