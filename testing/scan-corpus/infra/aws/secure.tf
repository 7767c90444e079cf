# The same resources configured safely: no findings expected.
variable "db_password" {
  type      = string
  sensitive = true
}

resource "aws_security_group" "bastion" {
  name = "bastion"
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["203.0.113.10/32"]
  }
  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_ebs_volume" "chaindata" {
  availability_zone = "eu-central-1a"
  size              = 4000
  encrypted         = true
}

resource "aws_db_instance" "indexer" {
  engine              = "postgres"
  password            = var.db_password
  publicly_accessible = false
  storage_encrypted   = true
}

resource "aws_launch_template" "node" {
  name_prefix = "node-"
  metadata_options {
    http_endpoint = "enabled"
    http_tokens   = "required"
  }
}

resource "aws_kms_key" "signer" {
  enable_key_rotation = true
}

resource "aws_kms_key" "signing_secp256k1" {
  customer_master_key_spec = "ECC_SECG_P256K1"
  key_usage                = "SIGN_VERIFY"
}

resource "aws_cloudtrail" "main" {
  name                       = "main"
  s3_bucket_name             = "acme-cloudtrail"
  enable_log_file_validation = true
}

resource "aws_s3_bucket_public_access_block" "state" {
  bucket                  = "acme-tfstate"
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}
