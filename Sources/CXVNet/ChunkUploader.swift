import CXVAPI
import CXVCore

/// Sends a chunk through its contract's profile: the one place a payload becomes an upload
/// request and gets its idempotency key, for cxv-upload's first sends and cxv-poll's re-sends.
public struct ChunkUploader: Sendable {
    public let client: ImportClient
    public let profile: any ImportProfile

    public init(client: ImportClient, profile: any ImportProfile) {
        self.client = client
        self.profile = profile
    }

    /// The key of a payload: its CSV's sha256 on a first send (so a re-run's send of the same chunk
    /// returns the first job), with `-retry-N` on the Nth deliberate re-send after a failed job (a new job).
    /// The journal keys its entries by it too, under either contract.
    public static func key(csvSHA256: String, resend: Int) -> String {
        resend == 0 ? csvSHA256 : "\(csvSHA256)-retry-\(resend)"
    }

    /// A chunk record's first-send key: the `sha256` cxv-gzip recorded, else computed from its CSV.
    public static func key(of chunk: ChunkRecord) throws -> String {
        if let sha = chunk.string("sha256") { return sha }
        return try chunk.csv().withUnsafeBytes { ChunkCompressor.sha256Hex($0) }
    }

    /// The upload request of a chunk record as it stands (what `--dry-run` describes).
    public static func request(for chunk: ChunkRecord, key: String, profile: any ImportProfile) throws -> APIRequest {
        let (body, gzip) = try chunk.payload()
        let payload = ChunkPayload(seq: chunk.seq, count: chunk.count, body: body, gzip: gzip, sha256: chunk.string("sha256"))
        do {
            return try profile.upload(payload, idempotencyKey: key)
        } catch {
            throw CXVError.data(source: "chunk \(chunk.seq)", line: 0, message: error.description)
        }
    }

    /// A chunk record's first send.
    public func upload(_ chunk: ChunkRecord, key: String) async throws -> ImportClient.UploadResult {
        try await client.upload(try ChunkUploader.request(for: chunk, key: key, profile: profile), profile: profile)
    }

    /// The Nth re-send of a chunk's CSV (after a failed job, perhaps without refused rows), gzip'd.
    public func resend(csv: [UInt8], seq: Int, count: Int, resend: Int) async throws -> (ImportClient.UploadResult, key: String) {
        let sha = csv.withUnsafeBytes { ChunkCompressor.sha256Hex($0) }
        let body = try csv.withUnsafeBytes { (b) throws(GzipError) in try Gzip.compress(b) }
        let key = ChunkUploader.key(csvSHA256: sha, resend: resend)
        let request: APIRequest
        do {
            request = try profile.upload(ChunkPayload(seq: seq, count: count, body: body, gzip: true, sha256: sha), idempotencyKey: key)
        } catch {
            throw CXVError.data(source: "chunk \(seq)", line: 0, message: error.description)
        }
        return (try await client.upload(request, profile: profile), key)
    }
}
