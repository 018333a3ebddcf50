import Foundation

/// One row of the epoch log: what `moodwire train` prints after each epoch, writes to the CSV
/// log and keeps in its checkpoints (so a resumed run's log and plot cover the whole run).
public struct EpochRecord: Sendable, Codable, Equatable {
    public var epoch: Int
    /// Mean training loss over the epoch's steps (augmented batches).
    public var loss: Double
    public var trainAccuracy: Double
    public var validationAccuracy: Double
    public var flipAveragedAccuracy: Double
    /// The learning rate of the epoch's last step.
    public var learningRate: Double
    public var seconds: Double

    public init(
        epoch: Int, loss: Double, trainAccuracy: Double, validationAccuracy: Double, flipAveragedAccuracy: Double,
        learningRate: Double, seconds: Double
    ) {
        self.epoch = epoch
        self.loss = loss
        self.trainAccuracy = trainAccuracy
        self.validationAccuracy = validationAccuracy
        self.flipAveragedAccuracy = flipAveragedAccuracy
        self.learningRate = learningRate
        self.seconds = seconds
    }

    /// The model file metadata key the records are kept under.
    public static let metadataKey = "moodwire.training.epochs"

    public func line(epochs: Int) -> String {
        String(
            format: "epoch %d/%d  loss %.4f  train %.2f%%  validation %.2f%% (flip-averaged %.2f%%)  lr %.5f  %.0f s", epoch, epochs,
            loss, trainAccuracy * 100, validationAccuracy * 100, flipAveragedAccuracy * 100, learningRate, seconds)
    }

    public static func csv(_ records: [EpochRecord]) -> String {
        "epoch,loss,train_accuracy,validation_accuracy,flip_averaged_accuracy,learning_rate,seconds\n"
            + records.map {
                String(
                    format: "%d,%.6f,%.6f,%.6f,%.6f,%.8f,%.1f", $0.epoch, $0.loss, $0.trainAccuracy, $0.validationAccuracy,
                    $0.flipAveragedAccuracy, $0.learningRate, $0.seconds)
            }.map { $0 + "\n" }.joined()
    }

    public static func encode(_ records: [EpochRecord]) -> String {
        String(decoding: (try? JSONEncoder().encode(records)) ?? Data("[]".utf8), as: UTF8.self)
    }

    /// The records of a checkpoint's metadata; none when absent or unreadable.
    public static func decode(_ json: String?) -> [EpochRecord] {
        json.flatMap { try? JSONDecoder().decode([EpochRecord].self, from: Data($0.utf8)) } ?? []
    }
}

/// The learning curves as an SVG: training loss on the left axis, training and validation
/// accuracy (plain and flip-averaged) on the right, per epoch.
public enum TrainingCurves {
    public static func svg(_ records: [EpochRecord], title: String) -> String {
        let width = 720.0, height = 400.0, left = 60.0, right = 60.0, top = 40.0, bottom = 50.0
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        let lastEpoch = Double(max(records.last?.epoch ?? 1, 2))
        // The loss axis ends at the next half unit above the largest loss, so its ticks are round.
        let maxLoss = max(((records.map(\.loss).max() ?? 1) * 2).rounded(.up) / 2, 0.5)
        func x(_ epoch: Int) -> Double { left + (Double(epoch) - 1) / (lastEpoch - 1) * plotWidth }
        func yLoss(_ loss: Double) -> Double { top + plotHeight * (1 - loss / maxLoss) }
        func yAccuracy(_ accuracy: Double) -> Double { top + plotHeight * (1 - accuracy) }
        func path(_ points: [(Double, Double)], colour: String, dashed: Bool = false) -> String {
            guard !points.isEmpty else { return "" }
            let d = points.enumerated().map { String(format: "%@%.1f,%.1f", $0.offset == 0 ? "M" : "L", $0.element.0, $0.element.1) }.joined(
                separator: " ")
            return "<path d=\"\(d)\" fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2\"\(dashed ? " stroke-dasharray=\"5,4\"" : "")/>\n"
        }
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" font-family="sans-serif" font-size="12">
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(width / 2)" y="22" text-anchor="middle" font-size="15">\(escaped(title))</text>

            """
        for tick in 0...10 {
            let fraction = Double(tick) / 10, y = top + plotHeight * (1 - fraction)
            svg += String(format: "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#e5e5e5\"/>\n", left, y, left + plotWidth, y)
            svg += String(format: "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%.2f</text>\n", left - 6, y + 4, maxLoss * fraction)
            svg += String(format: "<text x=\"%.1f\" y=\"%.1f\">%.0f%%</text>\n", left + plotWidth + 6, y + 4, fraction * 100)
        }
        let step = max(1, Int(lastEpoch) / 10)
        for epoch in stride(from: 1, through: Int(lastEpoch), by: step) {
            svg += String(format: "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%d</text>\n", x(epoch), top + plotHeight + 18, epoch)
        }
        svg += String(
            format: "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" stroke=\"#444\"/>\n", left, top, plotWidth, plotHeight)
        svg += "<text x=\"\(left + plotWidth / 2)\" y=\"\(height - 10)\" text-anchor=\"middle\">epoch</text>\n"
        svg +=
            "<text x=\"14\" y=\"\(top + plotHeight / 2)\" transform=\"rotate(-90 14 \(top + plotHeight / 2))\" text-anchor=\"middle\">training loss</text>\n"
        svg +=
            "<text x=\"\(width - 10)\" y=\"\(top + plotHeight / 2)\" transform=\"rotate(90 \(width - 10) \(top + plotHeight / 2))\" text-anchor=\"middle\">accuracy</text>\n"
        svg += path(records.map { (x($0.epoch), yLoss($0.loss)) }, colour: "#d62728")
        svg += path(records.map { (x($0.epoch), yAccuracy($0.trainAccuracy)) }, colour: "#7f7f7f", dashed: true)
        svg += path(records.map { (x($0.epoch), yAccuracy($0.validationAccuracy)) }, colour: "#1f77b4")
        svg += path(records.map { (x($0.epoch), yAccuracy($0.flipAveragedAccuracy)) }, colour: "#2ca02c")
        let legend = [
            ("#d62728", "training loss"), ("#7f7f7f", "training accuracy (augmented)"), ("#1f77b4", "validation accuracy"),
            ("#2ca02c", "validation, flip-averaged")
        ]
        // The legend sits low on the right, below where the curves of a run that learns go.
        for (index, item) in legend.enumerated() {
            let y = top + plotHeight - 28 - Double(legend.count - index) * 16
            let x = left + plotWidth - 230
            svg += String(
                format: "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%@\" stroke-width=\"2\"%@/>\n", x, y - 4, x + 20, y - 4,
                item.0, index == 1 ? " stroke-dasharray=\"5,4\"" : "")
            svg += String(format: "<text x=\"%.1f\" y=\"%.1f\">%@</text>\n", x + 26, y, item.1)
        }
        if let last = records.last {
            svg += String(
                format: "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">last: validation %.2f%%, flip-averaged %.2f%%</text>\n",
                left + plotWidth - 8, top + plotHeight - 10, last.validationAccuracy * 100, last.flipAveragedAccuracy * 100)
        }
        return svg + "</svg>\n"
    }

    private static func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
