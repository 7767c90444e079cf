resource "google_compute_firewall" "rpc" {
  name    = "allow-rpc"
  network = "default"
  allow {
    protocol = "tcp"
    ports    = ["8545-8546", "8551"]
  }
  source_ranges = ["0.0.0.0/0"]
}

resource "google_storage_bucket_iam_member" "public_snapshots" {
  bucket = "acme-snapshots"
  role   = "roles/storage.objectViewer"
  member = "allUsers"
}
