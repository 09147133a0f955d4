output "repository_urls" {
  description = "Repository URL per function."
  value       = { for k, m in module.repository : k => m.repository_url }
}

output "image_tag_parameter" {
  description = "SSM parameter the lambda-build workflow writes the pushed image tag to and the environment stack reads."
  value       = "/${var.name_prefix}/lambda/image-tag"
}
