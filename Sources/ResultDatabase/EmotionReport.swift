import Foundation
import Results
import TextFormats

/// `moodwire report`: how many faces showed each emotion, per source and per time bucket (a
/// minute by default, aligned to UTC), with each emotion's share of the bucket's faces and the
/// source's totals. Read from a results database opened read-only.
public struct EmotionReport: Sendable, Equatable {
    /// Faces per emotion in a bucket or a whole source.
    public struct Tally: Sendable, Equatable {
        /// Frames recorded, with faces or not.
        public var frames: Int
        /// Faces per emotion, in `Emotion` order.
        public var counts: [Int]

        public init(frames: Int = 0, counts: [Int] = Array(repeating: 0, count: Emotion.allCases.count)) {
            precondition(counts.count == Emotion.allCases.count, "one count per emotion")
            self.frames = frames
            self.counts = counts
        }

        public var faces: Int { counts.reduce(0, +) }

        public func count(of emotion: Emotion) -> Int { counts[emotion.index] }

        /// The emotion's fraction of the faces (0...1); nil with no faces.
        public func share(of emotion: Emotion) -> Double? {
            faces == 0 ? nil : Double(count(of: emotion)) / Double(faces)
        }

        mutating func add(_ other: Tally) {
            frames += other.frames
            for index in counts.indices { counts[index] += other.counts[index] }
        }
    }

    public struct Bucket: Sendable, Equatable {
        /// Unix seconds (UTC) where the bucket starts, a multiple of the bucket length.
        public var start: Int64
        public var tally: Tally

        public init(start: Int64, tally: Tally) {
            self.start = start
            self.tally = tally
        }
    }

    public struct SourceReport: Sendable, Equatable {
        public var source: String
        /// Buckets with at least one frame, oldest first.
        public var buckets: [Bucket]
        public var total: Tally

        public init(source: String, buckets: [Bucket], total: Tally) {
            self.source = source
            self.buckets = buckets
            self.total = total
        }
    }

    public let bucketSeconds: Int
    /// Sources in name order.
    public let sources: [SourceReport]

    public init(bucketSeconds: Int, sources: [SourceReport]) {
        self.bucketSeconds = bucketSeconds
        self.sources = sources
    }

    /// Reads the report from the database at `databasePath` (read-only; it must exist and be a
    /// results database of this version). With `source`, only that source.
    public static func make(databasePath: String, bucketSeconds: Int = 60, source: String? = nil) throws(ResultDatabaseError) -> EmotionReport {
        precondition(bucketSeconds > 0, "a bucket lasts at least a second")
        let database = try ResultSchema.openReadOnly(path: databasePath)
        try ResultSchema.checkVersion(of: database, allowingEmpty: false)
        // Frames joined to their faces (none: one row with NULL emotion); buckets by floor division,
        // so a bucket [start, start + length) holds the frames captured in it. floor() is one of
        // SQLite's math functions, built in since 3.35 (Debian 12 has 3.40).
        let emotionCounts = Emotion.allCases.map { "count(CASE faces.emotion WHEN '\($0.rawValue)' THEN 1 END)" }
        let sql = """
            SELECT frames.source, CAST(floor(frames.captured_at / ?1) AS INTEGER) * ?1 AS bucket,
                   count(DISTINCT frames.id), \(emotionCounts.joined(separator: ", "))
            FROM frames LEFT JOIN faces ON faces.frame_id = frames.id
            WHERE ?2 IS NULL OR frames.source = ?2
            GROUP BY frames.source, bucket
            ORDER BY frames.source, bucket
            """
        var sources: [SourceReport] = []
        do {
            let statement = try database.prepare(sql)
            try statement.bind(bucketSeconds, at: 1)
            if let source { try statement.bind(source, at: 2) } else { try statement.bindNull(at: 2) }
            while try statement.step() {
                let name = statement.string(at: 0)
                let tally = Tally(
                    frames: Int(statement.int64(at: 2)),
                    counts: Emotion.allCases.indices.map { Int(statement.int64(at: 3 + $0)) })
                if sources.last?.source != name {
                    sources.append(SourceReport(source: name, buckets: [], total: Tally()))
                }
                sources[sources.count - 1].buckets.append(Bucket(start: statement.int64(at: 1), tally: tally))
                sources[sources.count - 1].total.add(tally)
            }
        } catch {
            throw .sqlite(error)
        }
        return EmotionReport(bucketSeconds: bucketSeconds, sources: sources)
    }

    // MARK: Rendering

    /// One block per source: a line per bucket (start time in UTC, frames, faces, each emotion's
    /// share of the faces) and a total line.
    public func text() -> String {
        guard !sources.isEmpty else { return "no frames recorded" }
        let timeHeading = bucketSeconds == 60 ? "minute (UTC)" : "\(bucketSeconds) s from (UTC)"
        let timeWidth = max(timeHeading.count, 19)
        let names = Emotion.allCases.map(\.rawValue)
        func line(_ time: String, _ frames: String, _ faces: String, _ shares: [String]) -> String {
            var text = time.padding(toLength: timeWidth, withPad: " ", startingAt: 0)
            text += "  " + Self.rightAligned(frames, 7) + "  " + Self.rightAligned(faces, 7)
            for (name, share) in zip(names, shares) { text += "  " + Self.rightAligned(share, max(name.count, 6)) }
            return text
        }
        func shares(_ tally: Tally) -> [String] {
            Emotion.allCases.map { emotion in tally.share(of: emotion).map { String(format: "%.1f%%", $0 * 100) } ?? "-" }
        }
        var blocks: [String] = []
        for source in sources {
            var lines = ["source \(source.source)", line(timeHeading, "frames", "faces", names)]
            for bucket in source.buckets {
                lines.append(
                    line(
                        Self.utcTime(bucket.start, bucketSeconds % 60 == 0 ? .minutes : .seconds),
                        String(bucket.tally.frames), String(bucket.tally.faces), shares(bucket.tally)))
            }
            lines.append(line("total", String(source.total.frames), String(source.total.faces), shares(source.total)))
            blocks.append(lines.joined(separator: "\n"))
        }
        return blocks.joined(separator: "\n\n")
    }

    /// `{"bucket_seconds", "sources": [{"source", "buckets": [{"start", "start_time", "frames",
    /// "faces", "counts": {emotion: n}, "shares": {emotion: fraction or null}}], "total": {"frames",
    /// "faces", "counts", "shares"}}]}`; times are Unix seconds and ISO 8601 UTC.
    public func json() -> String {
        func tallyFields(_ tally: Tally) -> String {
            let counts = Emotion.allCases.map { "\"\($0.rawValue)\":\(tally.count(of: $0))" }
            let shares = Emotion.allCases.map { "\"\($0.rawValue)\":" + (tally.share(of: $0).map(JSONText.number) ?? "null") }
            return "\"frames\":\(tally.frames),\"faces\":\(tally.faces),\"counts\":{\(counts.joined(separator: ","))},"
                + "\"shares\":{\(shares.joined(separator: ","))}"
        }
        let sourceObjects = sources.map { source in
            let buckets = source.buckets.map { bucket in
                "{\"start\":\(bucket.start),\"start_time\":"
                    + JSONText.string(Self.utcTime(bucket.start, .iso8601)) + "," + tallyFields(bucket.tally) + "}"
            }
            return "{\"source\":" + JSONText.string(source.source) + ",\"buckets\":[" + buckets.joined(separator: ",")
                + "],\"total\":{" + tallyFields(source.total) + "}}"
        }
        return "{\"bucket_seconds\":\(bucketSeconds),\"sources\":[" + sourceObjects.joined(separator: ",") + "]}"
    }

    private static func rightAligned(_ text: String, _ width: Int) -> String {
        String(repeating: " ", count: max(0, width - text.count)) + text
    }

    private enum TimeFormat {
        /// `2024-05-01 12:34`
        case minutes
        /// `2024-05-01 12:34:56`
        case seconds
        /// `2024-05-01T12:34:56Z`
        case iso8601
    }

    private static func utcTime(_ unixSeconds: Int64, _ format: TimeFormat) -> String {
        var time = time_t(unixSeconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        let date = String(format: "%04d-%02d-%02d", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday))
        let minutes = String(format: "%02d:%02d", Int(parts.tm_hour), Int(parts.tm_min))
        let seconds = String(format: ":%02d", Int(parts.tm_sec))
        switch format {
        case .minutes: return date + " " + minutes
        case .seconds: return date + " " + minutes + seconds
        case .iso8601: return date + "T" + minutes + seconds + "Z"
        }
    }
}
