// The Go program of the CXone bulk-import tutorial this project grew from, its snippets joined
// under one import list and nothing else changed but the host: the tutorial's https URLs on
// {tenant}.api.nice-incontact.com became "http://%s", so CXONE_TENANT=127.0.0.1:PORT points it at cxv-sandbox.
// Tests/CLITests runs it (when go is installed) to show the sandbox serves it.
package main

import (
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"os"
	"regexp"
	"sync"
	"time"
)

type OAuthResponse struct {
	AccessToken string `json:"access_token"`
	ExpiresIn   int    `json:"expires_in"`
}
type TokenCache struct {
	mu        sync.Mutex
	token     string
	expiresAt time.Time
	clientID  string
	secret    string
	tenant    string
}

func NewTokenCache(clientID, secret, tenant string) *TokenCache {
	return &TokenCache{
		clientID: clientID,
		secret:   secret,
		tenant:   tenant,
	}
}
func (c *TokenCache) GetToken() (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.token != "" && time.Now().Before(c.expiresAt) {
		return c.token, nil
	}
	payload := fmt.Sprintf("client_id=%s&client_secret=%s&grant_type=client_credentials&scope=contact:write",
		c.clientID, c.secret)
	req, err := http.NewRequest("POST", fmt.Sprintf("http://%s/oauth/token", c.tenant),
		bytes.NewBufferString(payload))
	if err != nil {
		return "", fmt.Errorf("failed to create oauth request: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		return "", fmt.Errorf("oauth request failed: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("oauth returned status %d", resp.StatusCode)
	}
	var oauthResp OAuthResponse
	if err := json.NewDecoder(resp.Body).Decode(&oauthResp); err != nil {
		return "", fmt.Errorf("failed to decode oauth response: %w", err)
	}
	c.token = oauthResp.AccessToken
	c.expiresAt = time.Now().Add(time.Duration(oauthResp.ExpiresIn-60) * time.Second)
	return c.token, nil
}

type Contact struct {
	PhoneNumber string
	FirstName   string
	LastName    string
	Email       string
}

var e164Regex = regexp.MustCompile(`^\+[1-9]\d{1,14}$`)

func validateContact(c Contact) error {
	if c.PhoneNumber == "" {
		return fmt.Errorf("phone_number is required")
	}
	if !e164Regex.MatchString(c.PhoneNumber) {
		return fmt.Errorf("phone_number must be in E.164 format")
	}
	if c.FirstName == "" || c.LastName == "" {
		return fmt.Errorf("first_name and last_name are required")
	}
	return nil
}
func buildCSVChunk(contacts []Contact) ([]byte, error) {
	var buf bytes.Buffer
	writer := csv.NewWriter(&buf)
	defer writer.Flush()
	if err := writer.Write([]string{"phone_number", "first_name", "last_name", "email"}); err != nil {
		return nil, fmt.Errorf("failed to write csv header: %w", err)
	}
	for _, c := range contacts {
		if err := validateContact(c); err != nil {
			return nil, fmt.Errorf("validation failed for %s: %w", c.PhoneNumber, err)
		}
		if err := writer.Write([]string{c.PhoneNumber, c.FirstName, c.LastName, c.Email}); err != nil {
			return nil, fmt.Errorf("failed to write csv row: %w", err)
		}
	}
	return buf.Bytes(), nil
}

func compressCSV(csvBytes []byte) ([]byte, error) {
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	if _, err := gz.Write(csvBytes); err != nil {
		return nil, fmt.Errorf("gzip write failed: %w", err)
	}
	if err := gz.Close(); err != nil {
		return nil, fmt.Errorf("gzip close failed: %w", err)
	}
	return buf.Bytes(), nil
}

type ImportResponse struct {
	JobID  string `json:"jobId"`
	Status string `json:"status"`
}

func uploadChunk(client *http.Client, token string, tenant string, csvBytes []byte) (string, error) {
	gzBytes, err := compressCSV(csvBytes)
	if err != nil {
		return "", fmt.Errorf("compression failed: %w", err)
	}
	req, err := http.NewRequest("POST", fmt.Sprintf("http://%s/api/v2/contacts/import", tenant),
		bytes.NewBuffer(gzBytes))
	if err != nil {
		return "", fmt.Errorf("failed to create import request: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "text/csv")
	req.Header.Set("Content-Encoding", "gzip")
	resp, err := client.Do(req)
	if err != nil {
		return "", fmt.Errorf("import request failed: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		return "", fmt.Errorf("import returned status %d", resp.StatusCode)
	}
	var importResp ImportResponse
	if err := json.NewDecoder(resp.Body).Decode(&importResp); err != nil {
		return "", fmt.Errorf("failed to decode import response: %w", err)
	}
	return importResp.JobID, nil
}

type JobStatusResponse struct {
	JobID            string   `json:"jobId"`
	Status           string   `json:"status"`
	RecordsProcessed int      `json:"recordsProcessed"`
	Errors           []string `json:"errors,omitempty"`
}

func pollJob(client *http.Client, token string, tenant string, jobID string) (*JobStatusResponse, error) {
	baseDelay := 2 * time.Second
	maxDelay := 30 * time.Second
	attempt := 0
	for {
		time.Sleep(minDuration(baseDelay, maxDelay))
		attempt++
		req, err := http.NewRequest("GET", fmt.Sprintf("http://%s/api/v2/contacts/import/%s", tenant, jobID), nil)
		if err != nil {
			return nil, fmt.Errorf("failed to create poll request: %w", err)
		}
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := client.Do(req)
		if err != nil {
			return nil, fmt.Errorf("poll request failed: %w", err)
		}
		defer resp.Body.Close()
		if resp.StatusCode == http.StatusTooManyRequests {
			baseDelay *= 2
			continue
		}
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("poll returned status %d", resp.StatusCode)
		}
		var statusResp JobStatusResponse
		if err := json.NewDecoder(resp.Body).Decode(&statusResp); err != nil {
			return nil, fmt.Errorf("failed to decode status response: %w", err)
		}
		if statusResp.Status == "COMPLETED" || statusResp.Status == "FAILED" {
			return &statusResp, nil
		}
		baseDelay *= 2
	}
}
func minDuration(a, b time.Duration) time.Duration {
	if a < b {
		return a
	}
	return b
}

type ImportMetrics struct {
	TotalChunks      int
	SuccessfulChunks int
	FailedChunks     int
	RecordsProcessed int
	Errors           []string
}

func processChunk(client *http.Client, cache *TokenCache, tenant string, chunk []Contact, maxRetries int) (*JobStatusResponse, error) {
	token, err := cache.GetToken()
	if err != nil {
		return nil, fmt.Errorf("token retrieval failed: %w", err)
	}
	csvBytes, err := buildCSVChunk(chunk)
	if err != nil {
		return nil, fmt.Errorf("csv construction failed: %w", err)
	}
	jobID, err := uploadChunk(client, token, tenant, csvBytes)
	if err != nil {
		return nil, fmt.Errorf("upload failed: %w", err)
	}
	for attempt := 0; attempt <= maxRetries; attempt++ {
		status, err := pollJob(client, token, tenant, jobID)
		if err != nil {
			return nil, fmt.Errorf("polling failed: %w", err)
		}
		if status.Status == "COMPLETED" {
			return status, nil
		}
		if attempt < maxRetries {
			backoff := time.Duration(math.Pow(2, float64(attempt))) * time.Second
			time.Sleep(backoff)
			continue
		}
		return status, fmt.Errorf("chunk failed after %d retries: %v", maxRetries, status.Errors)
	}
	return nil, fmt.Errorf("exhausted retries")
}
func generateSummary(metrics *ImportMetrics) {
	fmt.Println("=== IMPORT SUMMARY ===")
	fmt.Printf("Total Chunks: %d\n", metrics.TotalChunks)
	fmt.Printf("Successful Chunks: %d\n", metrics.SuccessfulChunks)
	fmt.Printf("Failed Chunks: %d\n", metrics.FailedChunks)
	fmt.Printf("Records Processed: %d\n", metrics.RecordsProcessed)
	if len(metrics.Errors) > 0 {
		fmt.Println("Errors:")
		for _, e := range metrics.Errors {
			fmt.Printf(" - %s\n", e)
		}
	}
}

func main() {
	tenant := os.Getenv("CXONE_TENANT")
	clientID := os.Getenv("CXONE_CLIENT_ID")
	clientSecret := os.Getenv("CXONE_CLIENT_SECRET")
	if tenant == "" || clientID == "" || clientSecret == "" {
		fmt.Println("Set CXONE_TENANT, CXONE_CLIENT_ID, and CXONE_CLIENT_SECRET environment variables")
		os.Exit(1)
	}
	cache := NewTokenCache(clientID, clientSecret, tenant)
	client := &http.Client{Timeout: 30 * time.Second}
	// Generate sample contacts
	contacts := make([]Contact, 3500)
	for i := 0; i < 3500; i++ {
		contacts[i] = Contact{
			PhoneNumber: fmt.Sprintf("+1555%09d", i),
			FirstName:   fmt.Sprintf("FirstName%d", i),
			LastName:    fmt.Sprintf("LastName%d", i),
			Email:       fmt.Sprintf("user%d@example.com", i),
		}
	}
	chunkSize := 1000
	metrics := &ImportMetrics{}
	for i := 0; i < len(contacts); i += chunkSize {
		end := i + chunkSize
		if end > len(contacts) {
			end = len(contacts)
		}
		chunk := contacts[i:end]
		fmt.Printf("Processing chunk %d/%d\n", (i/chunkSize)+1, (len(contacts)+chunkSize-1)/chunkSize)
		status, err := processChunk(client, cache, tenant, chunk, 3)
		if err != nil {
			metrics.FailedChunks++
			metrics.Errors = append(metrics.Errors, fmt.Sprintf("Chunk %d failed: %v", (i/chunkSize)+1, err))
			continue
		}
		metrics.SuccessfulChunks++
		metrics.RecordsProcessed += status.RecordsProcessed
	}
	metrics.TotalChunks = (len(contacts) + chunkSize - 1) / chunkSize
	generateSummary(metrics)
}
