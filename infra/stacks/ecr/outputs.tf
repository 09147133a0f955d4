output "repository_urls" {
  description = "Repository URL per function."
  value       = { for k, m in module.repository : k => m.repository_url }
}

output "image_tag_parameter" {
  description = "SSM parameter the lambda-build (or image-promote) workflow writes the image tag to once every image exists, and the environment stack reads."
  value       = "/${var.name_prefix}/lambda/image-tag"
}
