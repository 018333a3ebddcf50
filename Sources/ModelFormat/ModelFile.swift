import Foundation

/// A Moodwire model file: safetensors (8-byte little-endian header length, JSON header, raw
/// little-endian tensors) whose metadata carries the format version, the layer graph and the labels.
/// Tensors are stored as float32 or float16 (`WeightPrecision`) and always loaded as float32.
/// Everything is validated on load; a wrong, truncated or mismatched file is a `ModelFileError`.
public struct ModelFile: Sendable {
    public static let format = "moodwire.model"
    public static let formatVersion = 1

    public let graph: ModelGraph
    public let labels: [String]
    /// Where the weights came from (free text written by the converter).
    public let source: String
    public let tensors: [String: WeightTensor]
    /// Further metadata entries, kept as they are (a training checkpoint keeps its state here).
    public let extraMetadata: [String: String]

    static let reservedMetadata: Set<String> = ["format", "format_version", "graph", "labels", "source"]

    public init(
        graph: ModelGraph, labels: [String], source: String, tensors: [String: WeightTensor], extraMetadata: [String: String] = [:]
    ) {
        precondition(Self.reservedMetadata.isDisjoint(with: extraMetadata.keys), "extra metadata may not replace the format's own keys")
        self.graph = graph
        self.labels = labels
        self.source = source
        self.tensors = tensors
        self.extraMetadata = extraMetadata
    }

    public init(contentsOf path: String) throws(ModelFileError) {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path), options: .mappedIfSafe)
        } catch {
            throw .unreadable(path: path, reason: error.localizedDescription)
        }
        try self.init(data: data, path: path)
    }

    public init(data: Data, path: String) throws(ModelFileError) {
        guard data.count >= 8 else { throw .truncated(path: path, reason: "shorter than the 8-byte header length") }
        let headerLength = data.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        guard headerLength > 1, headerLength <= UInt64(data.count - 8), headerLength < 100_000_000 else {
            throw .notAModel(path: path, reason: "header length \(headerLength) does not fit a \(data.count)-byte file")
        }
        let headerData = data.subdata(in: 8..<(8 + Int(headerLength)))
        guard let header = try? JSONSerialization.jsonObject(with: headerData) as? [String: Any] else {
            throw .notAModel(path: path, reason: "the header is not a JSON object")
        }
        guard let metadata = header["__metadata__"] as? [String: String],
            metadata["format"] == Self.format
        else {
            throw .notAModel(path: path, reason: "no \"format\": \"\(Self.format)\" in its metadata (a plain safetensors file?)")
        }
        guard let version = metadata["format_version"].flatMap(Int.init), version == Self.formatVersion else {
            throw .unsupportedVersion(path: path, found: metadata["format_version"] ?? "none", supported: Self.formatVersion)
        }
        do {
            graph = try JSONDecoder().decode(ModelGraph.self, from: Data((metadata["graph"] ?? "").utf8))
        } catch {
            throw .invalidGraph(path: path, reason: "cannot decode the graph: \(error)")
        }
        guard let labelData = metadata["labels"]?.data(using: .utf8),
            let labels = try? JSONDecoder().decode([String].self, from: labelData)
        else {
            throw .invalidGraph(path: path, reason: "no label list in the metadata")
        }
        self.labels = labels
        source = metadata["source"] ?? ""
        extraMetadata = metadata.filter { !Self.reservedMetadata.contains($0.key) }

        let dataStart = 8 + Int(headerLength)
        let available = data.count - dataStart
        var tensors: [String: WeightTensor] = [:]
        for (name, value) in header where name != "__metadata__" {
            guard let entry = value as? [String: Any], let dtype = entry["dtype"] as? String,
                let shape = entry["shape"] as? [Int], let offsets = entry["data_offsets"] as? [Int],
                offsets.count == 2
            else {
                throw .invalidTensor(path: path, name: name, reason: "malformed header entry")
            }
            guard let precision = WeightPrecision(rawValue: dtype) else {
                throw .invalidTensor(path: path, name: name, reason: "dtype \(dtype); only F32 and F16 are supported")
            }
            let count = shape.reduce(1, *)
            guard shape.allSatisfy({ $0 > 0 }), offsets[0] >= 0, offsets[1] - offsets[0] == count * precision.bytes else {
                throw .invalidTensor(path: path, name: name, reason: "shape \(shape) does not match its \(offsets[1] - offsets[0]) bytes")
            }
            guard offsets[1] <= available else {
                throw .truncated(path: path, reason: "tensor \(name) ends at byte \(offsets[1]) of \(available) data bytes")
            }
            let bytes = data[(data.startIndex + dataStart + offsets[0])..<(data.startIndex + dataStart + offsets[1])]
            let values = precision.decode(bytes, count: count)
            tensors[name] = WeightTensor(shape: shape, values: values)
        }
        self.tensors = tensors
    }
}

extension ModelFile {
    /// The file's bytes: the header (tensors in name order, padded with spaces to a multiple of
    /// 8 bytes, as safetensors recommends), then the tensors, little-endian, in `precision`.
    /// Float16 halves the file; it fails when a value lies outside float16's finite range.
    public func encoded(precision: WeightPrecision = .float32) throws(ModelFileError) -> Data {
        var metadata = extraMetadata
        metadata["format"] = Self.format
        metadata["format_version"] = String(Self.formatVersion)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        metadata["graph"] = String(decoding: (try? encoder.encode(graph)) ?? Data(), as: UTF8.self)
        metadata["labels"] = String(decoding: (try? encoder.encode(labels)) ?? Data(), as: UTF8.self)
        metadata["source"] = source
        var header: [String: Any] = ["__metadata__": metadata]
        var offset = 0
        let names = tensors.keys.sorted()
        for name in names {
            let bytes = tensors[name]!.values.count * precision.bytes
            header[name] = ["dtype": precision.rawValue, "shape": tensors[name]!.shape, "data_offsets": [offset, offset + bytes]]
            offset += bytes
        }
        var headerData = (try? JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])) ?? Data()
        headerData.append(contentsOf: [UInt8](repeating: 0x20, count: (8 - headerData.count % 8) % 8))
        var data = Data(capacity: 8 + headerData.count + offset)
        withUnsafeBytes(of: UInt64(headerData.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(headerData)
        for name in names {
            guard let bytes = precision.encode(tensors[name]!.values) else {
                throw .unencodable(
                    name: name, reason: "values outside \(precision)'s range (largest finite \(Float(Float16.greatestFiniteMagnitude)))")
            }
            data.append(contentsOf: bytes)
        }
        return data
    }

    /// Writes the file atomically (a temporary file renamed over `path`), so that an interrupted
    /// write never leaves a truncated model or checkpoint behind.
    public func write(to path: String, precision: WeightPrecision = .float32) throws(ModelFileError) {
        let bytes = try encoded(precision: precision)
        do {
            try bytes.write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw .unwritable(path: path, reason: error.localizedDescription)
        }
    }
}

/// One stored weight array, in the layout Keras keeps it.
public struct WeightTensor: Sendable, Equatable {
    public let shape: [Int]
    public let values: [Float]

    public init(shape: [Int], values: [Float]) {
        precondition(shape.reduce(1, *) == values.count, "values must fill the shape")
        self.shape = shape
        self.values = values
    }
}

/// How a model file stores its weights. Float16 keeps 11 significant bits (a relative error of at
/// most 2^-11), plenty for trained weights, and halves the file.
public enum WeightPrecision: String, Sendable, CaseIterable, CustomStringConvertible {
    case float32 = "F32"
    case float16 = "F16"

    var bytes: Int { self == .float32 ? 4 : 2 }

    public var description: String { self == .float32 ? "float32" : "float16" }

    func decode(_ bytes: Data, count: Int) -> [Float] {
        bytes.withUnsafeBytes { raw in
            switch self {
            case .float32: (0..<count).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
            case .float16:
                (0..<count).map { Float(Float16(bitPattern: UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 2, as: UInt16.self)))) }
            }
        }
    }

    /// Little-endian bytes, or nil when a value does not fit (float16 overflows past 65504).
    func encode(_ values: [Float]) -> [UInt8]? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(values.count * self.bytes)
        switch self {
        case .float32:
            values.map { $0.bitPattern.littleEndian }.withUnsafeBytes { bytes.append(contentsOf: $0) }
        case .float16:
            for value in values {
                let half = Float16(value)
                guard half.isFinite || !value.isFinite else { return nil }
                withUnsafeBytes(of: half.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
            }
        }
        return bytes
    }
}

/// Why a model file was refused.
public enum ModelFileError: Error, CustomStringConvertible, Sendable, Equatable {
    case unreadable(path: String, reason: String)
    case unwritable(path: String, reason: String)
    case notAModel(path: String, reason: String)
    case truncated(path: String, reason: String)
    case unsupportedVersion(path: String, found: String, supported: Int)
    case invalidGraph(path: String, reason: String)
    case invalidTensor(path: String, name: String, reason: String)
    case unencodable(name: String, reason: String)

    public var description: String {
        switch self {
        case let .unreadable(path, reason): "\(path): cannot read model file (\(reason))"
        case let .unwritable(path, reason): "\(path): cannot write model file (\(reason))"
        case let .notAModel(path, reason): "\(path): not a Moodwire model file: \(reason)"
        case let .truncated(path, reason): "\(path): model file is truncated: \(reason)"
        case let .unsupportedVersion(path, found, supported):
            "\(path): model format version \(found) is not supported (this build reads version \(supported)); convert the model again with scripts/convert_keras_model.py"
        case let .invalidGraph(path, reason): "\(path): invalid model graph: \(reason)"
        case let .invalidTensor(path, name, reason): "\(path): invalid tensor \(name): \(reason)"
        case let .unencodable(name, reason): "cannot store tensor \(name): \(reason)"
        }
    }
}
