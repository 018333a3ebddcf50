/// The anchors of a single-shot detector, as MediaPipe's SsdAnchorsCalculator generates them (its
/// path without multi-scale anchors): layers of equal stride share one grid, each cell holds one
/// anchor per aspect ratio (plus an interpolated one), centred on the cell.
public struct SSDAnchor: Sendable, Equatable {
    /// Centre and size, as fractions of the network input.
    public var x: Double, y: Double, width: Double, height: Double
}

extension BlazeFaceOptions.Anchors {
    /// Every anchor, in the order of the network's outputs: layer, then row, column and anchor of
    /// the cell.
    public func generate() -> [SSDAnchor] {
        func scale(_ layer: Int) -> Double {
            strides.count == 1 ? (minScale + maxScale) / 2 : minScale + (maxScale - minScale) * Double(layer) / Double(strides.count - 1)
        }
        var anchors: [SSDAnchor] = []
        var layer = 0
        while layer < numLayers {
            var ratios: [Double] = [], scales: [Double] = []
            var last = layer
            // Layers of the same stride share the grid; their anchors take turns in each cell.
            while last < strides.count && strides[last] == strides[layer] {
                let current = scale(last)
                if last == 0 && reduceBoxesInLowestLayer {
                    ratios += [1, 2, 0.5]
                    scales += [0.1, current, current]
                } else {
                    for ratio in aspectRatios {
                        ratios.append(ratio)
                        scales.append(current)
                    }
                    if interpolatedScaleAspectRatio > 0 {
                        let next = last == strides.count - 1 ? 1 : scale(last + 1)
                        scales.append((current * next).squareRoot())
                        ratios.append(interpolatedScaleAspectRatio)
                    }
                }
                last += 1
            }
            let rows = (inputSizeHeight + strides[layer] - 1) / strides[layer]
            let columns = (inputSizeWidth + strides[layer] - 1) / strides[layer]
            for y in 0..<rows {
                for x in 0..<columns {
                    for (ratio, scale) in zip(ratios, scales) {
                        anchors.append(
                            SSDAnchor(
                                x: (Double(x) + anchorOffsetX) / Double(columns), y: (Double(y) + anchorOffsetY) / Double(rows),
                                width: fixedAnchorSize ? 1 : scale * ratio.squareRoot(),
                                height: fixedAnchorSize ? 1 : scale / ratio.squareRoot()))
                    }
                }
            }
            layer = last
        }
        return anchors
    }
}
