terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "~> 5.0" }
  }
}

variable "admin_cidr" {
  type    = string
  default = "0.0.0.0/0"
}

locals {
  rpc_port   = 8545
  db_pass    = "Pg5xW9qLz2Rt"
  node_cidrs = ["10.0.0.0/16"]
}

resource "aws_security_group" "node" {
  name        = "eth-node"
  description = "execution + consensus node"

  ingress {
    description = "ssh"
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = [var.admin_cidr]
  }

  ingress {
    description = "json-rpc"
    from_port   = local.rpc_port
    to_port     = 8546
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }

  ingress {
    description      = "p2p"
    from_port        = 30303
    to_port          = 30303
    protocol         = "tcp"
    cidr_blocks      = ["0.0.0.0/0"]
    ipv6_cidr_blocks = ["::/0"]
  }

  ingress {
    description = "metrics from the VPC"
    from_port   = 9090
    to_port     = 9090
    protocol    = "tcp"
    cidr_blocks = local.node_cidrs
  }
}

resource "aws_security_group_rule" "engine_all" {
  type              = "ingress"
  security_group_id = aws_security_group.node.id
  from_port         = 0
  to_port           = 0
  protocol          = "-1"
  ipv6_cidr_blocks  = ["::/0"]
}

resource "aws_s3_bucket" "snapshots" {
  bucket = "acme-chain-snapshots"
  acl    = "public-read"
}

resource "aws_s3_bucket_public_access_block" "snapshots" {
  bucket                  = aws_s3_bucket.snapshots.id
  block_public_acls       = false
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_ebs_volume" "chaindata" {
  availability_zone = "eu-central-1a"
  size              = 4000
  type              = "gp3"
}

resource "aws_db_instance" "indexer" {
  identifier          = "indexer"
  engine              = "postgres"
  instance_class      = "db.r6g.large"
  username            = "indexer"
  password            = local.db_pass
  publicly_accessible = true
  storage_encrypted   = false
}

resource "aws_instance" "node" {
  ami           = "ami-0abcdef1234567890"
  instance_type = "m6i.2xlarge"
  user_data     = <<-EOT
    #!/bin/bash
    export SIGNER_API_TOKEN=tok_9Hc2LqV7xPz4Rm8WkT3y
    export NETWORK=mainnet
    docker compose -f /opt/node/docker-compose.yml up -d
  EOT

  root_block_device {
    volume_size = 100
    encrypted   = false
  }
}

resource "aws_iam_policy" "ops" {
  name = "ops-admin"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = "*"
      Resource = "*"
    }]
  })
}

data "aws_iam_policy_document" "ci" {
  statement {
    actions   = ["*"]
    resources = ["arn:aws:s3:::acme-artifacts/*"]
  }
}

resource "aws_kms_key" "signer" {
  description = "wraps the signer's barrier key"
}

resource "aws_cloudtrail" "main" {
  name                       = "main"
  s3_bucket_name             = "acme-cloudtrail"
  enable_log_file_validation = false
}
