/// The image formats Moodwire reads, told apart by their signature bytes (content, not file name):
/// the decoders and the header reader (`ImageHeader`, which the ingest and the web upload use) all
/// ask here, so they never disagree about what a JPEG is.
public enum ImageFormat: Equatable, Sendable {
    case jpeg, png

    /// Bytes needed to tell the formats apart.
    public static let signatureLength = 8
    public static let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// The format of an image starting with `prefix`; nil when it is neither. A JPEG starts with
    /// SOI (FF D8) and then a marker (FF).
    public init?(prefix: some Collection<UInt8>) {
        if prefix.starts(with: [0xFF, 0xD8, 0xFF]) {
            self = .jpeg
        } else if prefix.starts(with: Self.pngSignature) {
            self = .png
        } else {
            return nil
        }
    }
}
